import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '@docingest/local-redis';
import { postJson } from './post-json';
import { ProcessMemory } from './process-memory';

export class ServiceStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceStartError';
  }
}

export interface ServiceCallResult {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The ingestion service (cloudrun/ingestion/src/main.ts) as a child process on a free port,
 * configured only through its environment, as Cloud Run runs it.
 */
export class IngestionServiceProcess {
  readonly memory: ProcessMemory;
  private readonly logTail: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly apiKey: string,
    private readonly exited: Promise<number | null>,
  ) {
    this.memory = new ProcessMemory(child.pid!);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.logTail.push(line);
        if (this.logTail.length > 50) this.logTail.shift();
      });
    }
  }

  static async start(env: Record<string, string>, options: { readyTimeoutMs?: number } = {}): Promise<IngestionServiceProcess> {
    const port = await freePort();
    // BENCH_SERVICE_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": to see where the service spends its time.
    const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, '-r', '@swc-node/register', join(__dirname, 'ingestion-service.child.ts')], {
      cwd: join(__dirname, '../../..'),
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...env,
        PORT: String(port),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const service = new IngestionServiceProcess(child, `http://127.0.0.1:${port}`, env.SYSTEM_API_KEY ?? '', exited);
    await service.waitReady(options.readyTimeoutMs ?? 60_000);
    service.memory.startSampling();
    return service;
  }

  get pid(): number {
    return this.child.pid!;
  }

  call(path: string, body: unknown): Promise<ServiceCallResult> {
    return postJson(`${this.url}${path}`, body, { authorization: `Api-Key ${this.apiKey}` });
  }

  /** The service's last log lines, to explain a failure. */
  recentLogs(): string {
    return this.logTail.join('\n');
  }

  async stop(): Promise<void> {
    this.memory.stopSampling();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new ServiceStartError(`the ingestion service exited with code ${exitCode} before it was ready:\n${this.recentLogs()}`);
      try {
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await this.stop();
    throw new ServiceStartError(`the ingestion service was not ready within ${timeoutMs} ms:\n${this.recentLogs()}`);
  }
}
