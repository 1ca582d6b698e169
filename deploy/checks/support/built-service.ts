import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface BuiltService {
  url: string;
  child: ChildProcess;
  /** The service's last output lines (stdout and stderr), for failure messages. */
  output(lines?: number): string;
  /** SIGTERM, as Cloud Run sends it; resolves with the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

export class ServiceStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceStartError';
  }
}

/**
 * Starts a compiled entry as the image would (`node dist/.../main.js`) with exactly `env`
 * (nothing inherited from the test's environment, so a missing variable shows), and waits until
 * `readyPath` answers 200.
 */
export interface BuiltServiceOptions {
  name: string;
  /** The folder standing for the image's /app (dist/ is inside it). */
  appDir: string;
  /** The CMD's script, relative to appDir (dist/.../main.js). */
  entry: string;
  env: Record<string, string>;
  port: number;
  readyPath: string;
  timeoutMs?: number;
}

export async function startBuiltService(options: BuiltServiceOptions): Promise<BuiltService> {
  const child = spawn(process.execPath, ['-r', join(__dirname, 'exit-with-parent.js'), options.entry], {
    cwd: options.appDir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env, PORT: String(options.port) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output = (n = 15) => lines.slice(-n).join('\n');
  const url = `http://127.0.0.1:${options.port}`;

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = 'no answer yet';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ServiceStartError(`${options.name} exited (${child.exitCode ?? child.signalCode}) before answering ${options.readyPath}:\n${output()}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new ServiceStartError(`${options.name} did not answer 200 on ${options.readyPath} in time (last: ${last}):\n${output()}`);
    }
    try {
      const response = await fetch(`${url}${options.readyPath}`);
      last = `${response.status} ${await response.text()}`;
      if (response.status === 200) break;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  return {
    url,
    child,
    output,
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
