import { WorkerPool, WorkerPoolClosedError } from '@docingest/worker-pool';
import { waitUntil } from '../abortable-wait';
import { EmbedderClosedError, EmbeddingAbortedError, LocalModelLoadError, LocalModelWorkerError } from '../errors';
import { LoadBackoff, type LoadRetryOptions } from './load-backoff';
import { MODEL_LOAD_FAILED, MODEL_WORKER_FILE, type ModelReply, type ModelWorkerData } from './model-worker';

export interface ModelWorkerPoolOptions {
  size: number;
  dimensions: number;
  /** How often, and how far apart, threads that could not load the model are replaced. */
  loadRetry?: LoadRetryOptions;
  /** Test seam, see ModelWorkerData.loaderModule. */
  loaderModule?: string;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const loadFailed = (message: string) => new LocalModelLoadError(`the local embedding model could not be loaded in a worker thread: ${message}`);
// A thread's error is rebuilt by Node, not by this module's realm (under Jest instanceof fails).
const isLoadFailure = (error: unknown): error is { message: string } => (error as { code?: unknown } | null)?.code === MODEL_LOAD_FAILED;

/**
 * A fixed number of threads (a WorkerPool), each holding one copy of the model, loaded when the
 * thread starts. Batches wait in one FIFO queue and go to whichever thread is free, so every
 * core stays busy. A batch aborted while it runs runs to its end (WebAssembly cannot be
 * interrupted) and its result is dropped; one aborted while it waits leaves the queue.
 *
 * A thread that dies mid-batch fails that batch and is replaced. A thread that could not load
 * the model ends when it is given a batch and is replaced; the batch waits (LoadBackoff) and goes
 * to the next free thread, while the other threads' batches carry on. After `loadRetry.attempts`
 * failed loads in a row, batches fail with the load error, at once while the wait after the last
 * failure runs; the first batch after it tries a thread again, so the pool recovers by itself
 * once the model can be loaded.
 */
export class ModelWorkerPool {
  private pool: WorkerPool<string[], ModelReply> | null = null;
  private readonly loads: LoadBackoff;
  private closed = false;

  constructor(private readonly options: ModelWorkerPoolOptions) {
    this.loads = new LoadBackoff(options.loadRetry);
  }

  get size(): number {
    return this.options.size;
  }

  /** Thread ids of the live threads (loading or ready). */
  get threadIds(): number[] {
    return this.pool?.threadIds ?? [];
  }

  /** Starts the threads and resolves once each has answered with its model loaded; rejects with the load error if they cannot load it. */
  async warmUp(): Promise<void> {
    // One empty batch per thread (a thread takes one batch at a time): each answers once its
    // thread's model has loaded; one given to a thread that could not load it is retried.
    await Promise.all(Array.from({ length: this.options.size }, () => this.run([])));
  }

  /** One batch, answered as one Float32Array per text (views into one buffer the thread moved). */
  async run(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    for (;;) {
      if (this.closed) throw new EmbedderClosedError('local');
      if (signal?.aborted) throw new EmbeddingAbortedError('local', signal.reason);
      const refused = this.loads.refusal();
      if (refused !== undefined) throw loadFailed(refused);
      const reply = await this.runOnce(texts, signal);
      if ('loadFailure' in reply) {
        const wait = this.loads.failed(reply.loadFailure);
        if (this.loads.exhausted) throw loadFailed(reply.loadFailure);
        await waitUntil(performance.now() + wait, signal).catch(() => undefined); // an abort is answered at the top of the loop
        continue;
      }
      this.loads.loaded();
      if ('error' in reply) throw new LocalModelWorkerError(`the local model failed on a batch of ${texts.length} texts: ${reply.error}`);
      return unpack(reply, texts.length, this.options.dimensions);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }

  /** The thread's reply, or why its thread could not load the model (that thread is being replaced). */
  private async runOnce(texts: string[], signal?: AbortSignal): Promise<ModelReply | { loadFailure: string }> {
    try {
      return await this.start().run(texts, { signal });
    } catch (error) {
      if (this.closed) throw new EmbedderClosedError('local');
      if (signal?.aborted) throw new EmbeddingAbortedError('local', signal.reason);
      if (isLoadFailure(error)) return { loadFailure: error.message };
      if (error instanceof WorkerPoolClosedError) throw new EmbedderClosedError('local');
      const why = messageOf(error).replace(/^worker exited with code: (\d+)$/, 'exit code $1');
      throw new LocalModelWorkerError(`an embedding worker thread died while embedding a batch of ${texts.length} texts (${why}); it has been replaced`);
    }
  }

  private start(): WorkerPool<string[], ModelReply> {
    if (this.pool) return this.pool;
    const workerData: ModelWorkerData = { dimensions: this.options.dimensions, loaderModule: this.options.loaderModule };
    this.pool = new WorkerPool<string[], ModelReply>({ file: MODEL_WORKER_FILE, threads: this.options.size, keptThreads: this.options.size, workerData });
    return this.pool;
  }
}

function unpack(packed: Float32Array, count: number, dimensions: number): Float32Array[] {
  const rows: Float32Array[] = new Array(count);
  for (let r = 0; r < count; r++) rows[r] = packed.subarray(r * dimensions, (r + 1) * dimensions);
  return rows;
}
