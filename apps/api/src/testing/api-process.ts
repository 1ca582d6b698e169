import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { waitUntil } from '@docingest/contracts/testing';

const ROOT = join(__dirname, '../../../..');

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  /** The process's last lines, for a failure's message. */
  output: string[];
  /** SIGKILL: no shutdown hook runs, as when the machine or the container dies. */
  kill(): Promise<void>;
}

/**
 * The api as its own process (`main.ts`, as Cloud Run runs it) on `port` with this environment,
 * answered once `/health` is; a test can kill it outright, which the in-process app cannot be.
 */
export async function startApiProcess(port: number, env: Record<string, string>): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'apps/api/src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => output.push(line) > 200 && output.shift());
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      `the api at ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`the api exited with ${child.exitCode}`);
        return fetch(`${url}/health`).then(
          (r) => r.ok,
          () => false,
        );
      },
      120_000,
    );
  } catch (error) {
    await kill();
    throw new Error(`${(error as Error).message} (output: ${output.slice(-10).join(' | ')})`);
  }
  return { url, child, output, kill };
}
