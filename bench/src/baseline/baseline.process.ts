import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ProcessMemory } from '../stack/process-memory';
import type { RunOutcome } from '../runs/run-types';
import { BASELINE_CONFIG_ENV, type BaselineConfig, type BaselineMessage, type BaselineRunRequest } from './baseline-protocol';

export class BaselineProcessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaselineProcessError';
  }
}

/** The LlamaIndex baseline as a child process: start it, give it runs, read its memory. */
export class BaselineProcess {
  readonly memory: ProcessMemory;
  private pending: { resolve(outcome: RunOutcome): void; reject(error: Error): void } | null = null;
  private readonly stderrTail: string[] = [];

  private constructor(private readonly child: ChildProcess) {
    this.memory = new ProcessMemory(child.pid!);
    child.stderr?.on('data', (data: Buffer) => {
      this.stderrTail.push(data.toString());
      if (this.stderrTail.length > 40) this.stderrTail.shift();
    });
    child.on('message', (message: BaselineMessage) => {
      if (message.type === 'done') this.pending?.resolve(message.outcome);
      if (message.type === 'error') this.pending?.reject(new BaselineProcessError(`the baseline failed: ${message.message}`));
      if (message.type !== 'ready') this.pending = null;
    });
    child.once('exit', (code) => {
      this.pending?.reject(new BaselineProcessError(`the baseline process exited (code ${code}):\n${this.stderrTail.join('')}`));
      this.pending = null;
    });
  }

  static async start(config: BaselineConfig): Promise<BaselineProcess> {
    const child = fork(join(__dirname, 'llamaindex-baseline.child.ts'), [], {
      cwd: join(__dirname, '../../..'),
      execArgv: ['-r', '@swc-node/register'],
      env: { ...process.env, [BASELINE_CONFIG_ENV]: JSON.stringify(config) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const process_ = new BaselineProcess(child);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: BaselineMessage) => {
        if (message.type === 'ready') resolve();
        if (message.type === 'error') reject(new BaselineProcessError(`the baseline could not start: ${message.message}`));
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new BaselineProcessError(`the baseline process exited (code ${code}) before it was ready:\n${process_.stderrTail.join('')}`)));
    });
    process_.memory.startSampling();
    return process_;
  }

  run(request: Omit<BaselineRunRequest, 'type'>): Promise<RunOutcome> {
    if (this.pending) return Promise.reject(new BaselineProcessError('one baseline run at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send({ type: 'run', ...request } satisfies BaselineRunRequest);
    });
  }

  async stop(): Promise<void> {
    this.memory.stopSampling();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
