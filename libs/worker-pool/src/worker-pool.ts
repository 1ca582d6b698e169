import { join } from 'node:path';
import Piscina from 'piscina';
import { ConcurrencyLimit } from './concurrency-limit';
import { isModuleLoadFailure, WorkerModuleLoadError } from './module-load-error';
import { threadExecArgv } from './thread-exec-argv';

/** What every thread starts (pool-thread.js), which then loads the pool's module. */
const POOL_THREAD_FILE = join(__dirname, 'pool-thread.js');

export interface WorkerPoolOptions {
  /** The threads' module: its default export takes one task and answers its reply. */
  file: string;
  threads: number;
  /**
   * Threads started with the pool and kept (each holds something costly to load, as a model copy
   * or the parsers); default 0. The others start on demand and stop after `idleTimeoutMs` idle
   * (default 30 s).
   */
  keptThreads?: number;
  idleTimeoutMs?: number;
  /** Heap of one thread; a task that needs more ends its thread, which is replaced. */
  memoryMb?: number;
  workerData?: unknown;
}

export interface RunOptions {
  /**
   * Aborting while the task waits for a thread takes it out of the queue. Aborting while it runs:
   * with `interrupt`, terminates its thread (replaced); without, the task runs to its end (its
   * thread cannot be stopped cheaply) and its result is dropped.
   */
  signal?: AbortSignal;
  interrupt?: boolean;
  /** Called when a thread takes the task, so a time limit counts running, not waiting. */
  onStart?: () => void;
}

export class WorkerPoolClosedError extends Error {
  constructor() {
    super('the worker pool is closed');
    this.name = 'WorkerPoolClosedError';
  }
}

/**
 * The one way the services run work on threads: piscina threads loading a module file, one task
 * per thread at a time. Tasks wait for a free thread here rather than in piscina's queue, so a
 * task's time starts when it runs and a task aborted while waiting leaves the queue. A thread
 * that dies fails its task and is replaced (piscina); idle threads never keep the process alive.
 */
export class WorkerPool<Task, Reply> {
  private readonly piscina: Piscina<Task, Reply>;
  private readonly slots: ConcurrencyLimit;
  private readonly closing = new AbortController();

  constructor(options: WorkerPoolOptions) {
    this.slots = new ConcurrencyLimit(options.threads);
    this.piscina = new Piscina({
      filename: POOL_THREAD_FILE,
      argv: [options.file],
      minThreads: Math.min(options.keptThreads ?? 0, options.threads),
      maxThreads: options.threads,
      idleTimeout: options.idleTimeoutMs ?? 30_000,
      // Threads wait on their event loop, not Atomics: the tasks are asynchronous.
      concurrentTasksPerWorker: 1,
      atomics: 'disabled',
      resourceLimits: options.memoryMb ? { maxOldGenerationSizeMb: options.memoryMb } : undefined,
      execArgv: threadExecArgv(options.file),
      workerData: options.workerData,
    });
    // A thread that fails with no task to fail (it could not start at all) has no caller to
    // tell; unheard, piscina's 'error' event would end this process.
    this.piscina.on('error', () => undefined);
  }

  /**
   * The task's reply, or why it has none: the thread's error, the signal's reason,
   * WorkerPoolClosedError, or WorkerModuleLoadError when its thread could not load the module
   * (that thread is replaced; the other threads' tasks carry on).
   */
  async run(task: Task, options: RunOptions = {}): Promise<Reply> {
    const { signal } = options;
    const release = await this.slots.acquire(signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal);
    if (this.closing.signal.aborted) {
      release();
      throw new WorkerPoolClosedError();
    }
    options.onStart?.();
    const running = this.piscina
      .run(task, options.interrupt && signal ? { signal } : {})
      .catch((error: unknown) => {
        throw isModuleLoadFailure(error) ? new WorkerModuleLoadError(error.message) : error;
      })
      .finally(release);
    if (options.interrupt || !signal) return running;
    running.catch(() => undefined); // dropped if the caller stops waiting
    return new Promise<Reply>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      running.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Thread ids of the threads running now. */
  get threadIds(): number[] {
    return this.piscina.threads.map((thread) => thread.threadId);
  }

  /** Fails waiting tasks with WorkerPoolClosedError, running ones with piscina's error, and stops every thread. */
  async close(): Promise<void> {
    this.closing.abort(new WorkerPoolClosedError());
    await this.piscina.destroy();
  }
}
