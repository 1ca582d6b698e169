import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { postgresTool } from './testing/postgres-tools';

/**
 * Figures for the local server, measured with PostgreSQL's own pgbench (README, "The embedded
 * PostgreSQL's limits"):
 *   node -r @swc-node/register libs/local-postgres/src/pgbench-figures.main.ts [--rounds 3] [--transactions 800]
 *     [--server before=/path/to/other/checkout/libs/local-postgres/src/server.main.ts]
 * - TPC-B tps (median of the rounds) per mode and client count, for this checkout's server and
 *   any other given with --server, run side by side (each cell alternates between servers);
 *   a run that does not finish in --limit-ms is killed and shown as "hung".
 * - the hand-over cost of carried settings: TPC-B as is, and TPC-B with a SET in every
 *   transaction, alternated, with 1 client (the SET alone) and 16 (every hand-over also saves,
 *   resets and restores settings).
 * - how long a client idle inside its transaction keeps a waiting client out (the default limit).
 * - the servers' resident memory after all that.
 */

interface Server {
  label: string;
  url: string;
  pid: number;
  process: ChildProcess;
}

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    transactions: { type: 'string', default: '800' },
    'limit-ms': { type: 'string', default: '60000' },
    server: { type: 'string', multiple: true, default: [] },
    'skip-idle-cut': { type: 'boolean', default: false },
  },
});
const rounds = Number(options.rounds);
const transactions = Number(options.transactions);
const limitMs = Number(options['limit-ms']);
const pgbench = postgresTool('pgbench');
const root = resolve(__dirname, '../../..');

async function startServer(label: string, entry: string, cwd: string): Promise<Server> {
  const child = spawn(process.execPath, ['-r', require.resolve('@swc-node/register'), entry, '--port', '0'], { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ url: string; pid: number }>((done, fail) => {
    lines.on('line', (line) => {
      if (line.includes('"event":"ready"')) done(JSON.parse(line));
      if (line.includes('"event":"connection.idle_cut"')) console.log(`  [${label}] ${line}`);
    });
    child.once('exit', (code) => fail(new Error(`${label} server exited (${code}) before it was ready`)));
  });
  return { label, url: ready.url, pid: ready.pid, process: child };
}

function runPgbench(args: string[]): Promise<{ tps: number | null; failed: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(pgbench, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const tps = /tps = ([\d.]+)/.exec(output);
      const failed = /number of failed transactions: (\d+)/.exec(output);
      done({ tps: code === 0 && tps ? Number(tps[1]) : null, failed: failed ? Number(failed[1]) : null, output });
    });
  });
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
};

function rssOf(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Math.round(Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024);
  return `${field('VmRSS')} MB resident (peak ${field('VmHWM')} MB)`;
}

async function idleCutFigure(server: Server): Promise<string> {
  const idle = new Client({ connectionString: server.url });
  idle.on('error', () => undefined);
  await idle.connect();
  await idle.query('BEGIN');
  await idle.query('SELECT 1');
  const waiter = new Client({ connectionString: server.url });
  await waiter.connect();
  const since = Date.now();
  await waiter.query('SELECT 1');
  const waited = Date.now() - since;
  await waiter.end();
  await idle.end().catch(() => undefined);
  return `a client idle in its transaction kept a waiting client out for ${waited} ms before it was cut`;
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'pgbench-figures-'));
  const servers = [await startServer('this checkout', join(__dirname, 'server.main.ts'), root)];
  for (const spec of options.server ?? []) {
    const [label, entry] = spec.split('=');
    servers.push(await startServer(label, resolve(entry), resolve(entry, '../../../..')));
  }
  try {
    for (const server of servers) {
      const init = await runPgbench(['-i', '-I', 'dtGvp', '-s', '1', '-q', server.url]);
      if (init.tps === null && !/done in/.test(init.output)) throw new Error(`pgbench -i failed on ${server.label}:\n${init.output}`);
    }
    console.log(`pgbench TPC-B, scale 1, ${transactions} transactions per run, median of ${rounds} rounds, servers alternating per run (machine shared, loaded)`);
    const cells = new Map<string, number[] | 'hung'>();
    for (let round = 0; round < rounds; round++) {
      for (const mode of ['simple', 'extended', 'prepared']) {
        for (const clients of [1, 4, 16]) {
          for (const server of servers) {
            const key = `${server.label}|${mode}|${clients}`;
            if (cells.get(key) === 'hung') continue;
            const run = await runPgbench(['-n', '-M', mode, '-c', String(clients), '-j', '1', '-t', String(Math.ceil(transactions / clients)), server.url]);
            if (run.tps === null || run.failed) cells.set(key, 'hung');
            else cells.set(key, [...((cells.get(key) as number[] | undefined) ?? []), run.tps]);
          }
        }
      }
    }
    console.log(`| mode | clients | ${servers.map((s) => `${s.label} tps`).join(' | ')} |`);
    console.log(`| --- | --- | ${servers.map(() => '---').join(' | ')} |`);
    for (const mode of ['simple', 'extended', 'prepared']) {
      for (const clients of [1, 4, 16]) {
        const row = servers.map((s) => {
          const cell = cells.get(`${s.label}|${mode}|${clients}`);
          return cell === 'hung' ? `hung (killed after ${limitMs} ms) or failed` : String(Math.round(median(cell ?? [])));
        });
        console.log(`| ${mode} | ${clients} | ${row.join(' | ')} |`);
      }
    }

    // Every client runs SET in every transaction: every hand-over saves, resets and restores settings.
    const [server] = servers;
    const plain = join(scratch, 'tpcb.sql');
    const body = `\\set aid random(1, 100000)
\\set bid random(1, 1)
\\set tid random(1, 10)
\\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
`;
    writeFileSync(plain, body);
    const setting = join(scratch, 'tpcb-set.sql');
    writeFileSync(setting, body.replace('BEGIN;', "SET application_name = 'pgbench-client';\nBEGIN;"));
    // With one client there is no hand-over: the SET costs only itself. With 16, every hand-over also carries settings.
    for (const clients of [1, 16]) {
      const tps: Record<string, number[]> = { plain: [], 'with SET': [] };
      for (let round = 0; round < rounds; round++) {
        for (const [name, file] of [
          ['plain', plain],
          ['with SET', setting],
        ] as const) {
          const run = await runPgbench([
            '-n',
            '-M',
            'extended',
            '-c',
            String(clients),
            '-j',
            '1',
            '-t',
            String(Math.ceil(transactions / clients)),
            '-f',
            file,
            server.url,
          ]);
          if (run.tps !== null) tps[name].push(run.tps);
        }
      }
      const [a, b] = [median(tps.plain), median(tps['with SET'])];
      console.log(
        `carried settings, ${clients} client(s), extended: TPC-B ${Math.round(a)} tps, TPC-B with a SET per transaction ${Math.round(b)} tps (ratio ${(b / a).toFixed(2)})`,
      );
    }

    if (!options['skip-idle-cut']) console.log(await idleCutFigure(server));
    for (const s of servers) console.log(`${s.label} server after the runs: ${rssOf(s.pid)}`);
  } finally {
    for (const s of servers) s.process.kill('SIGTERM');
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
