import { WorkerPool, WorkerPoolClosedError } from '@docingest/worker-pool';
import { EmbedderClosedError, EmbeddingAbortedError, LocalModelLoadError, LocalModelWorkerError } from '../errors';
import { MODEL_WORKER_FILE, type ModelReply, type ModelWorkerData } from './model-worker';

export interface ModelWorkerPoolOptions {
  size: number;
  dimensions: number;
  /** Test seam, see ModelWorkerData.loaderModule. */
  loaderModule?: string;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const loadFailed = (message: string) => new LocalModelLoadError(`the local embedding model could not be loaded in a worker thread: ${message}`);

/**
 * A fixed number of threads (a WorkerPool), each holding one copy of the model, loaded when the
 * thread starts. Batches wait in one FIFO queue and go to whichever thread is free, so every
 * core stays busy. A batch aborted while it runs runs to its end (WebAssembly cannot be
 * interrupted) and its result is dropped; one aborted while it waits leaves the queue.
 *
 * A thread that dies mid-batch fails that batch and is replaced. Threads that cannot load the
 * model are not replaced over and over: the pool is given up, the batch fails with the load
 * error, and the next run() starts a new one.
 */
export class ModelWorkerPool {
  private pool: WorkerPool<string[], ModelReply> | null = null;
  /** Pools given up because no thread could load the model, with why. */
  private readonly loadFailures = new WeakMap<object, string>();
  private closed = false;

  constructor(private readonly options: ModelWorkerPoolOptions) {}

  get size(): number {
    return this.options.size;
  }

  /** Thread ids of the live threads (loading or ready). */
  get threadIds(): number[] {
    return this.pool?.threadIds ?? [];
  }

  /** Starts the threads and resolves once none is still loading; rejects if none could load the model. */
  async warmUp(): Promise<void> {
    if (this.closed) throw new EmbedderClosedError('local');
    const pool = this.start();
    // One empty batch per thread (a thread takes one batch at a time): each answers once its
    // thread's model has loaded, or could not be.
    const replies = await Promise.all(
      Array.from({ length: this.options.size }, () =>
        pool.run([]).catch((error: unknown) => ({ loadFailure: `a worker thread stopped before the model was loaded (${messageOf(error)})` })),
      ),
    );
    if (this.closed) throw new EmbedderClosedError('local');
    const failures = replies.flatMap((reply) => ('loadFailure' in reply ? [reply.loadFailure] : []));
    if (failures.length === replies.length) {
      await this.giveUp(pool, failures[0]);
      throw loadFailed(failures[0]);
    }
  }

  /** One batch, answered as one Float32Array per text (views into one buffer the thread moved). */
  async run(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.closed) throw new EmbedderClosedError('local');
    if (signal?.aborted) throw new EmbeddingAbortedError('local', signal.reason);
    const pool = this.start();
    let reply: ModelReply;
    try {
      reply = await pool.run(texts, { signal });
    } catch (error) {
      if (this.closed) throw new EmbedderClosedError('local');
      // Given up meanwhile because no thread could load the model: that is why this batch failed.
      const loadFailure = this.loadFailures.get(pool);
      if (loadFailure !== undefined) throw loadFailed(loadFailure);
      if (signal?.aborted) throw new EmbeddingAbortedError('local', signal.reason);
      if (error instanceof WorkerPoolClosedError) throw new EmbedderClosedError('local');
      const why = messageOf(error).replace(/^worker exited with code: (\d+)$/, 'exit code $1');
      throw new LocalModelWorkerError(`an embedding worker thread died while embedding a batch of ${texts.length} texts (${why}); it has been replaced`);
    }
    if ('loadFailure' in reply) {
      await this.giveUp(pool, reply.loadFailure);
      throw loadFailed(reply.loadFailure);
    }
    if ('error' in reply) throw new LocalModelWorkerError(`the local model failed on a batch of ${texts.length} texts: ${reply.error}`);
    return unpack(reply, texts.length, this.options.dimensions);
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }

  private start(): WorkerPool<string[], ModelReply> {
    if (this.pool) return this.pool;
    const workerData: ModelWorkerData = { dimensions: this.options.dimensions, loaderModule: this.options.loaderModule };
    const pool = new WorkerPool<string[], ModelReply>({ file: MODEL_WORKER_FILE, threads: this.options.size, keptThreads: this.options.size, workerData });
    this.pool = pool;
    return pool;
  }

  private async giveUp(pool: WorkerPool<string[], ModelReply>, loadFailure: string): Promise<void> {
    this.loadFailures.set(pool, loadFailure);
    if (this.pool === pool) this.pool = null;
    await pool.close();
  }
}

function unpack(packed: Float32Array, count: number, dimensions: number): Float32Array[] {
  const rows: Float32Array[] = new Array(count);
  for (let r = 0; r < count; r++) rows[r] = packed.subarray(r * dimensions, (r + 1) * dimensions);
  return rows;
}
