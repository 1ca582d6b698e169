import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LocalPostgresOptions {
  /** 0 or absent: a free port. */
  port?: number;
  host?: string;
  /** Absent: in memory, gone when the process ends. */
  dataDir?: string;
  /** Receives the server's own log lines (JSON). */
  onLog?: (line: string) => void;
}

export interface LocalPostgres {
  url: string;
  port: number;
  pid: number;
  /** SIGTERM, then wait: a data dir is flushed. */
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

/** The server entry, as TypeScript under ts tooling or as the compiled JavaScript beside this file. */
function serverCommand(): string[] {
  const compiled = join(__dirname, 'server.main.js');
  if (existsSync(compiled)) return [compiled];
  return ['-r', '@swc-node/register', join(__dirname, 'server.main.ts')];
}

/** Starts PostgreSQL with pgvector (PGlite over the wire) in its own process, tied to this one. */
export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const args = [...serverCommand(), '--port', String(options.port ?? 0), '--host', options.host ?? '127.0.0.1', '--exit-with-stdin'];
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const errors: string[] = [];
  child.stderr!.on('data', (d: Buffer) => errors.push(d.toString()));

  const ready = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      options.onLog?.(line);
      try {
        const event = JSON.parse(line);
        if (event.event === 'ready') resolve({ url: event.url, port: event.port });
        if (event.event === 'failed') reject(new Error(`local PostgreSQL failed to start: ${event.error}`));
      } catch {
        // not one of its JSON lines
      }
    });
    void exited.then((code) => reject(new Error(`local PostgreSQL exited with code ${code} before it was ready: ${errors.join('').slice(-2000)}`)));
  });

  return {
    ...ready,
    pid: child.pid ?? -1,
    kill: (signal = 'SIGKILL') => child.kill(signal),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
