import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { freePort } from './free-port';
import { redisProcessId } from './redis-ping';

export interface RedisServerOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Keep data on disk (append-only file) in this directory, so a restart keeps queued jobs. */
  persistDir?: string;
}

export interface RedisServerHandle {
  url: string;
  port: number;
  pid: number;
  /** SIGTERM, then wait for exit. */
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

export class RedisUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

export function redisServerBinary(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : null;
}

/**
 * Starts a private redis-server on loopback; it dies with this process. On a port of its own
 * choosing, a port taken between the choice and redis-server's bind (redis-server exits) is
 * replaced by another, and readiness is this redis-server answering, never another on that port.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const binary = redisServerBinary();
  if (!binary) {
    throw new RedisUnavailableError('redis-server is not installed: install it with `apt-get install redis-server`, or set REDIS_URL to a running Redis');
  }
  for (let tries = 1; ; tries++) {
    const port = options.port || (await freePort());
    const started = await startOn(binary, port, options.persistDir);
    if ('url' in started) return started;
    if (options.port || tries >= 3) throw new RedisUnavailableError(`redis-server did not start on port ${port} (exit code ${started.exitCode})`);
  }
}

async function startOn(binary: string, port: number, persistDir: string | undefined): Promise<RedisServerHandle | { exitCode: number | null }> {
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--daemonize', 'no', '--loglevel', 'warning'];
  if (persistDir) {
    mkdirSync(persistDir, { recursive: true });
    args.push('--appendonly', 'yes', '--appendfsync', 'always', '--dir', persistDir);
  } else {
    args.push('--appendonly', 'no');
  }
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while ((await redisProcessId(url, 300)) !== child.pid) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      process.removeListener('exit', killOnExit);
      return { exitCode: child.exitCode };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    pid: child.pid ?? -1,
    kill: (signal = 'SIGKILL') => child.kill(signal),
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
