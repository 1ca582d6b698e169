import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import { Client } from 'pg';
import { postgresTool } from './testing/postgres-tools';
import { useLocalPostgres } from './testing/use-local-postgres';

/** Runs a program to its end (killed after `limitMs`, which then fails the test that awaits it). */
function run(program: string, args: string[], options: { input?: string; limitMs?: number } = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PGCONNECT_TIMEOUT: '30' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const limitMs = options.limitMs ?? 120_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} ${args.join(' ')} did not finish within ${limitMs} ms; its output:\n${output}`));
    }, limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(options.input ?? '');
  });
}

describe('clients nobody here wrote, against the local server', () => {
  const { server } = useLocalPostgres();
  let scratch: string;
  const value = async (sql: string) => {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'local-postgres-clients-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('pgbench: initialises (server-side data; its COPY path is refused with the reason), then runs TPC-B in simple, extended and prepared modes with 1, 4 and 16 clients, 0 failures, balances agreeing', async () => {
    const pgbench = postgresTool('pgbench');
    // pgbench's default (client-side) generation sends COPY ... FROM STDIN: refused, pgbench stops and says why.
    const copying = await run(pgbench, ['-i', '-s', '1', '-q', server.url]);
    expect(copying.code).not.toBe(0);
    expect(copying.output).toMatch(/COPY \.\.\. FROM STDIN is not supported/);
    const init = await run(pgbench, ['-i', '-I', 'dtGvp', '-s', '1', '-q', server.url]);
    expect(init).toMatchObject({ code: 0 });

    const figures: string[] = [];
    let expectedHistory = 0;
    for (const mode of ['simple', 'extended', 'prepared']) {
      for (const clients of [1, 4, 16]) {
        const perClient = Math.ceil(96 / clients);
        const { code, output } = await run(pgbench, ['-n', '-M', mode, '-c', String(clients), '-j', '1', '-t', String(perClient), server.url]);
        const processed = /number of transactions actually processed: (\d+)\/(\d+)/.exec(output);
        const failed = /number of failed transactions: (\d+)/.exec(output);
        expect({ mode, clients, code, processed: processed?.slice(1).map(Number), failed: failed && Number(failed[1]) }).toEqual({
          mode,
          clients,
          code: 0,
          processed: [clients * perClient, clients * perClient],
          failed: 0,
        });
        expectedHistory += clients * perClient;
        figures.push(`${mode.padEnd(8)} ${String(clients).padStart(2)} clients: ${/tps = ([\d.]+)/.exec(output)?.[1] ?? '?'} tps`);
      }
    }
    console.log(`pgbench TPC-B on the local server (short runs, loaded machine: no comparison across machines)\n${figures.join('\n')}`);

    // TPC-B's invariant: every transaction moved the same delta into one account, teller and branch.
    const [sums] = await value(`SELECT (SELECT sum(abalance) FROM pgbench_accounts)::text AS accounts, (SELECT sum(bbalance) FROM pgbench_branches)::text AS branches,
        (SELECT sum(tbalance) FROM pgbench_tellers)::text AS tellers, (SELECT sum(delta) FROM pgbench_history)::text AS history, (SELECT count(*) FROM pgbench_history)::int AS transactions`);
    expect(sums).toEqual({ accounts: sums.history, branches: sums.history, tellers: sums.history, history: sums.history, transactions: expectedHistory });
  });

  it('psql: runs a script whose \\copy is refused with the reason, the script going on over the same connection', async () => {
    const rows = join(scratch, 'rows.csv');
    writeFileSync(rows, '1,one\n2,two\n');
    const script = `CREATE TABLE copied (id int, name text);
\\copy copied from '${rows}' with (format csv)
INSERT INTO copied VALUES (3, 'three');
SELECT 'rows: ' || count(*) AS rows FROM copied;
`;
    const going = await run(postgresTool('psql'), ['-X', '-At', server.url], { input: script });
    expect(going.code).toBe(0);
    expect(going.output).toMatch(/ERROR: {2}COPY \.\.\. FROM STDIN is not supported by the local PGlite server/);
    expect(going.output).toMatch(/^rows: 1$/m);

    // With ON_ERROR_STOP, psql stops at the refusal with its exit code for a failed script.
    const stopping = await run(postgresTool('psql'), ['-X', '-At', '-v', 'ON_ERROR_STOP=1', server.url], {
      input: `\\copy copied from '${rows}' with (format csv)\nSELECT 'not reached';\n`,
    });
    expect(stopping.code).toBe(3);
    expect(stopping.output).not.toMatch(/not reached/);
    expect(await value('SELECT count(*)::int AS n FROM copied')).toEqual([{ n: 1 }]);
  });

  it('node-pg-migrate: two runners at once apply each migration once, one after the other (its advisory lock keeps the session)', async () => {
    const dir = join(scratch, 'migrations');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, '1700000000000_first.js'), `exports.up = (pgm) => { pgm.createTable('migrated', { id: 'id', note: { type: 'text', notNull: true } }); };\n`);
    writeFileSync(join(dir, '1700000000001_second.js'), `exports.up = (pgm) => { pgm.sql("INSERT INTO migrated (note) VALUES ('seeded')"); };\n`);
    const migrate = () =>
      runner({ databaseUrl: server.url, dir, direction: 'up', migrationsTable: 'pgmigrations', count: Infinity, singleTransaction: true, log: () => undefined });

    const [one, two] = await Promise.all([migrate(), migrate()]);
    const applied = [one, two].map((list) => list.map((m) => m.name));
    expect(applied.flat().sort()).toEqual(['1700000000000_first', '1700000000001_second']);
    expect(applied.some((list) => list.length === 0)).toBe(true); // the second found nothing left to do
    expect(await value('SELECT note FROM migrated')).toEqual([{ note: 'seeded' }]);
    expect(await value("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'")).toEqual([{ n: 0 }]);
  });
});
