import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startLocalPostgres, type LocalPostgres } from './index';

const ROOT = join(__dirname, '../../..');

/** The server's "ready" event, read from its log lines. */
function readyEvents(): { onLog: (line: string) => void; origins: string[] } {
  const origins: string[] = [];
  return {
    origins,
    onLog: (line) => {
      if (line.includes('"event":"ready"')) origins.push(JSON.parse(line).origin);
    },
  };
}

async function withClient<T>(server: LocalPostgres, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: server.url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the server process', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'local-postgres-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('keeps committed data on a data dir across a stop and a restart, and drops what was uncommitted', async () => {
    const dataDir = join(scratch, 'data');
    const log = readyEvents();
    const first = await startLocalPostgres({ dataDir, onLog: log.onLog });
    await withClient(first, async (client) => {
      await client.query(`CREATE TABLE kept (note text, embedding vector(2)); INSERT INTO kept VALUES ('still here', '[1,2]')`);
      await client.query('CREATE INDEX ON kept USING hnsw (embedding vector_cosine_ops)');
    });
    const pending = new Client({ connectionString: first.url });
    pending.on('error', () => undefined); // the stop drops it
    await pending.connect();
    await pending.query('BEGIN');
    await pending.query(`INSERT INTO kept VALUES ('never committed', '[3,4]')`);
    await first.stop(); // SIGTERM: rolls back, closes PGlite, exits
    expect(isAlive(first.pid)).toBe(false);

    const second = await startLocalPostgres({ dataDir, onLog: log.onLog });
    try {
      const rows = await withClient(
        second,
        async (client) => (await client.query('SELECT note, embedding::text AS e FROM kept ORDER BY embedding <=> $1', ['[1,2]'])).rows,
      );
      expect(rows).toEqual([{ note: 'still here', e: '[1,2]' }]);
    } finally {
      await second.stop();
    }
    expect(log.origins[1]).toBe('data-dir');
  });

  it('exits when the process that started it dies', async () => {
    const launcher = spawn(
      process.execPath,
      ['-r', '@swc-node/register', '-e', `require('./libs/local-postgres/src/index.ts').startLocalPostgres({}).then((pg) => console.log('server pid ' + pg.pid))`],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const serverPid = await new Promise<number>((resolve) =>
      launcher.stdout!.on('data', (d: Buffer) => /server pid (\d+)/.test(d.toString()) && resolve(Number(/server pid (\d+)/.exec(d.toString())![1]))),
    );
    expect(isAlive(serverPid)).toBe(true);
    launcher.kill('SIGKILL'); // no chance to stop it: only the closed stdin tells the server
    for (let i = 0; i < 200 && isAlive(serverPid); i++) await new Promise((r) => setTimeout(r, 100));
    const orphaned = isAlive(serverPid);
    if (orphaned) process.kill(serverPid, 'SIGKILL');
    expect(orphaned).toBe(false);
  });

  it('makes a template from its first in-memory start and starts the next from it', async () => {
    const template = join(scratch, 'template.tar');
    const log = readyEvents();
    const first = await startLocalPostgres({ template, onLog: log.onLog });
    await withClient(first, (client) => client.query('CREATE TABLE only_in_first (id int)'));
    await first.stop();
    expect(existsSync(template)).toBe(true);

    const second = await startLocalPostgres({ template, onLog: log.onLog });
    try {
      const { rows } = await withClient(second, (client) =>
        client.query("SELECT to_regclass('only_in_first') AS t, (SELECT count(*)::int FROM pg_extension WHERE extname = 'vector') AS vector"),
      );
      expect(rows).toEqual([{ t: null, vector: 1 }]); // a fresh database, with pgvector
    } finally {
      await second.stop();
    }
    expect(log.origins).toEqual(['fresh', 'template']);
  });

  it('as a standalone entry, refuses an unknown flag with its usage', () => {
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'libs/local-postgres/src/server.main.ts', '--prot', '5433'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    const failure = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(failure).toMatchObject({ service: 'local-postgres', event: 'failed' });
    expect(failure.error).toMatch(/Unknown option '--prot'[\s\S]*--data-dir DIR/);
  });
});
