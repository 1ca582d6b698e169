import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { startLocalPostgres, type LocalPostgres } from './index';

describe('local PostgreSQL (PGlite over the wire)', () => {
  let server: LocalPostgres;

  beforeAll(async () => {
    server = await startLocalPostgres({});
  });
  afterAll(() => server?.stop());

  it('keeps every connection’s results its own under concurrent transactions from several pools', async () => {
    const setup = new Pool({ connectionString: server.url, max: 1 });
    await setup.query('CREATE TABLE ledger (worker int NOT NULL, seq int NOT NULL, amount int NOT NULL, payload text)');
    await setup.end();

    const pools = Array.from({ length: 4 }, () => new Pool({ connectionString: server.url, max: 4 }));
    const mismatches: string[] = [];
    const committed = new Map<number, number>(); // worker → sum of amounts it committed
    const workers = pools.flatMap((pool, p) =>
      Array.from({ length: 4 }, (_, w) => async () => {
        const worker = p * 10 + w;
        let sum = 0;
        for (let seq = 0; seq < 12; seq++) {
          const amount = worker * 100 + seq;
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            // A 100 kB parameter arrives over several socket reads: a group must still run whole.
            await client.query('INSERT INTO ledger VALUES ($1, $2, $3, $4)', [worker, seq, amount, 'x'.repeat(100_000 + seq)]);
            const inside = await client.query('SELECT coalesce(sum(amount), 0)::int AS s FROM ledger WHERE worker = $1', [worker]);
            if (inside.rows[0].s !== sum + amount) mismatches.push(`worker ${worker} seq ${seq}: saw ${inside.rows[0].s} inside, expected ${sum + amount}`);
            // Every 4th transaction rolls back, so its row must never be seen afterwards.
            if (seq % 4 === 3) {
              await client.query('ROLLBACK');
            } else {
              await client.query('COMMIT');
              sum += amount;
            }
          } finally {
            client.release();
          }
          const outside = await pool.query('SELECT coalesce(sum(amount), 0)::int AS s FROM ledger WHERE worker = $1', [worker]);
          if (outside.rows[0].s !== sum) mismatches.push(`worker ${worker} seq ${seq}: saw ${outside.rows[0].s} after, expected ${sum}`);
        }
        committed.set(worker, sum);
      }),
    );
    await Promise.all(workers.map((run) => run()));
    await Promise.all(pools.map((pool) => pool.end()));

    expect(mismatches).toEqual([]);
    const check = new Client({ connectionString: server.url });
    await check.connect();
    const { rows } = await check.query('SELECT worker, count(*)::int AS n, sum(amount)::int AS s FROM ledger GROUP BY worker ORDER BY worker');
    await check.end();
    expect(rows).toHaveLength(16);
    for (const row of rows) {
      expect(row.n).toBe(9); // 12 transactions, 3 rolled back
      expect(row.s).toBe(committed.get(row.worker));
    }
  });

  it('has pgvector: an HNSW cosine index and a nearest-neighbour query', async () => {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
      await client.query('CREATE TABLE items (id int, embedding vector(3))');
      await client.query(`INSERT INTO items VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]')`);
      await client.query('CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops)');
      const { rows } = await client.query(`SELECT id FROM items ORDER BY embedding <=> '[1,0.05,0]' LIMIT 2`);
      expect(rows.map((r) => r.id)).toEqual([1, 3]);
    } finally {
      await client.end();
    }
  });

  it('rolls back a transaction that fails, keeping nothing of it', async () => {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE once (id int PRIMARY KEY)');
      await client.query('BEGIN');
      await client.query('INSERT INTO once VALUES (1)');
      await expect(client.query('INSERT INTO once VALUES (1)')).rejects.toThrow(/duplicate key/);
      await client.query('ROLLBACK');
      expect((await client.query('SELECT count(*)::int AS n FROM once')).rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('rolls back the open transaction of a client that is killed, and keeps serving others', async () => {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    await client.query('CREATE TABLE orphan (id int)');
    await client.end();
    // A separate process opens a transaction, inserts, says so, and is then killed.
    const script = `const { Client } = require('pg');
      (async () => { const c = new Client({ connectionString: ${JSON.stringify(server.url)} }); await c.connect();
        await c.query('BEGIN'); await c.query('INSERT INTO orphan VALUES (1)'); console.log('inserted'); setInterval(() => {}, 1000); })();`;
    const child = spawn(process.execPath, ['-e', script], { cwd: join(__dirname, '../../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('inserted') && resolve()));
    child.kill('SIGKILL');
    const other = new Client({ connectionString: server.url });
    await other.connect();
    expect((await other.query('SELECT count(*)::int AS n FROM orphan')).rows[0].n).toBe(0);
    await other.end();
  });

  it('accepts new connections after a pool has ended', async () => {
    for (let round = 0; round < 3; round++) {
      const pool = new Pool({ connectionString: server.url, max: 3 });
      const results = await Promise.all([1, 2, 3].map((n) => pool.query('SELECT $1::int * 2 AS v', [n])));
      expect(results.map((r) => r.rows[0].v)).toEqual([2, 4, 6]);
      await pool.end();
    }
  });
});

describe('local PostgreSQL on a data directory', () => {
  it('keeps its data across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pglite-'));
    try {
      const first = await startLocalPostgres({ dataDir: dir });
      const a = new Client({ connectionString: first.url });
      await a.connect();
      await a.query(`CREATE TABLE kept (note text, embedding vector(2)); INSERT INTO kept VALUES ('still here', '[1,2]')`);
      await a.end();
      await first.stop();

      const second = await startLocalPostgres({ dataDir: dir });
      const b = new Client({ connectionString: second.url });
      await b.connect();
      expect((await b.query('SELECT note, embedding::text AS e FROM kept')).rows).toEqual([{ note: 'still here', e: '[1,2]' }]);
      await b.end();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
