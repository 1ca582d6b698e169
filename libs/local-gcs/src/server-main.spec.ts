import { Storage } from '@google-cloud/storage';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { localStorageOptions } from './local-storage-options';
import { readServerConfig } from './server-config';

const WORKSPACE = join(__dirname, '../../..');

/** The child's first stdout line, or a failure carrying its stderr if it exits first. */
function readyLine(process: ChildProcess, stderr: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`server.main exited (${code}) before it was ready: ${stderr.join('\n')}`));
    process.once('exit', onExit);
    createInterface({ input: process.stdout! }).once('line', (line) => {
      process.removeListener('exit', onExit);
      resolve(line);
    });
  });
}

describe('server.main.ts (local-gcs as its own process)', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('prints a ready line, serves the client, logs requests when asked, and exits when stdin closes', async () => {
    child = spawn(process.execPath, ['-r', '@swc-node/register', 'libs/local-gcs/src/server.main.ts', '--port', '0', '--bucket', 'alpha,beta'], {
      cwd: WORKSPACE,
      env: { ...process.env, LOCAL_GCS_DEBUG: '1', GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent.json' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
    const line = await readyLine(child, stderr);
    const ready = JSON.parse(line) as { event: string; url: string; port: number; buckets: string[] };
    expect(ready).toMatchObject({ event: 'local-gcs.ready', url: `http://127.0.0.1:${ready.port}`, buckets: ['alpha', 'beta'] });

    const storage = new Storage(localStorageOptions(ready.url));
    await storage.bucket('beta').file('x.txt').save('from another process', { resumable: false });
    expect((await storage.bucket('beta').file('x.txt').download())[0].toString()).toBe('from another process');

    // 'close' comes after the exit and after the child's stdio is drained, so every log line is in.
    const closed = once(child, 'close');
    child.stdin!.end();
    const [code] = (await closed) as [number | null];
    expect(code).toBe(0);
    const logged = stderr.map((l) => JSON.parse(l) as { msg?: string; method?: string; status?: number }).filter((l) => l.msg === 'local-gcs request');
    expect(logged).toEqual(expect.arrayContaining([expect.objectContaining({ method: 'POST', status: 200 })]));
  });
});

describe('readServerConfig', () => {
  it('takes flags over environment variables', () => {
    expect(readServerConfig(['--port=4443', '--root', '/data', '--bucket', 'a', '--bucket', 'b,c'], { LOCAL_GCS_PORT: '1', LOCAL_GCS_BUCKETS: 'z' })).toEqual({
      port: 4443,
      host: '127.0.0.1',
      rootDir: '/data',
      buckets: ['a', 'b', 'c'],
    });
    expect(readServerConfig([], { LOCAL_GCS_PORT: '9000', LOCAL_GCS_HOST: '0.0.0.0', LOCAL_GCS_BUCKETS: 'x, y' })).toEqual({
      port: 9000,
      host: '0.0.0.0',
      rootDir: undefined,
      buckets: ['x', 'y'],
    });
  });

  it('refuses unknown flags and bad ports with the usage', () => {
    expect(() => readServerConfig(['--prot', '1'], {})).toThrow(/unknown argument "--prot"; usage/);
    expect(() => readServerConfig(['--port', 'abc'], {})).toThrow(/port must be 0-65535/);
  });
});
