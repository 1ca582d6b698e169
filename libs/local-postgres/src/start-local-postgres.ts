import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { LocalPostgresStartError } from './errors';

export interface LocalPostgresOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Absent: in memory, gone when the process ends. */
  dataDir?: string;
  /**
   * How a new database (in memory, or an empty data dir) is made. Absent: from a template dump
   * kept per PGlite version in the temp dir (made by the first in-memory start; about 2 s
   * instead of 8 s). A path: from that dump. false: by initdb every time.
   */
  template?: string | false;
  /** A client holding the one session idle (in a transaction) this long while others wait is disconnected; default 30 s. */
  idleInTransactionTimeoutMs?: number;
  /** A client waiting this long for the session gets an error (55P03); default 120 s. */
  sessionWaitTimeoutMs?: number;
  /** Receives every line the server prints (JSON events). */
  onLog?: (line: string) => void;
  /** Default 120 s: a fresh start on a loaded 2-core machine can take 10 s or more. */
  startTimeoutMs?: number;
  /** Node flags for the server process, e.g. `--cpu-prof --cpu-prof-dir=DIR` to see where the database spends its time. */
  nodeArgs?: string[];
}

export interface LocalPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable */
  url: string;
  port: number;
  pid: number;
  /** SIGTERM and wait for the exit: open transactions are rolled back, a data dir is flushed. */
  stop(): Promise<void>;
  /** Signals the process (default SIGKILL), as a crash would. */
  kill(signal?: NodeJS.Signals): void;
}

const STOP_LIMIT_MS = 20_000;
const OUTPUT_TAIL_LINES = 30;

/** The server entry: the compiled JavaScript beside this file in a build, else the TypeScript source. */
function serverCommand(): { args: string[]; cwd: string } {
  const compiled = join(__dirname, 'server.main.js');
  if (existsSync(compiled)) return { args: [compiled], cwd: process.cwd() };
  // The workspace root, where @swc-node/register finds tsconfig.json.
  return { args: ['-r', require.resolve('@swc-node/register'), join(__dirname, 'server.main.ts')], cwd: resolve(__dirname, '../../..') };
}

function serverFlags(options: LocalPostgresOptions): string[] {
  const flags = ['--port', String(options.port ?? 0), '--host', options.host ?? '127.0.0.1', '--exit-with-stdin'];
  if (options.dataDir) flags.push('--data-dir', resolve(options.dataDir));
  if (options.idleInTransactionTimeoutMs !== undefined) flags.push('--idle-in-transaction-timeout-ms', String(options.idleInTransactionTimeoutMs));
  if (options.sessionWaitTimeoutMs !== undefined) flags.push('--session-wait-timeout-ms', String(options.sessionWaitTimeoutMs));
  if (options.template === false) flags.push('--no-template');
  else if (options.template) flags.push('--template', resolve(options.template));
  return flags;
}

/**
 * Starts PostgreSQL with pgvector (PGlite behind the wire protocol) in a child process and
 * resolves once it accepts connections. The child exits when this process does.
 */
export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const command = serverCommand();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...command.args, ...serverFlags(options)], { cwd: command.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const output: string[] = [];
  const remember = (line: string) => {
    output.push(line);
    if (output.length > OUTPUT_TAIL_LINES) output.shift();
  };
  createInterface({ input: child.stderr! }).on('line', remember);
  const lines = createInterface({ input: child.stdout! }); // read to the end: a full pipe would block the server
  lines.on('line', (line) => {
    remember(line);
    options.onLog?.(line);
  });

  const ready = await new Promise<{ url: string; port: number }>((resolveReady, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new LocalPostgresStartError(reason, output.join('\n')));
    };
    const timeoutMs = options.startTimeoutMs ?? 120_000;
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    lines.on('line', (line) => {
      const event = parseEvent(line);
      if (event?.event === 'ready') {
        clearTimeout(timer);
        resolveReady({ url: String(event.url), port: Number(event.port) });
      } else if (event?.event === 'failed') {
        fail('it reported a failure');
      }
    });
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`it exited (${signal ?? `code ${code}`}) before it was ready`));
  });

  return { ...ready, pid: child.pid ?? -1, kill: (signal = 'SIGKILL') => void child.kill(signal), stop: () => stopChild(child, exited) };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((done) => (timer = setTimeout(() => done('late'), STOP_LIMIT_MS)));
  if ((await Promise.race([exited, late])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

function parseEvent(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
