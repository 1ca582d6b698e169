import { availableParallelism } from 'node:os';
import type { Embedder, EmbedOptions } from '../embedder';
import { assertPositiveInteger, embedInBatches } from '../embed-in-batches';
import { EmbedderClosedError, EmbeddingConfigError } from '../errors';
import { isLocalModel, LOCAL_DIMENSIONS, LOCAL_MODEL, LOCAL_MODEL_NAMES } from '@docingest/contracts';
import { ModelWorkerPool } from './model-worker-pool';

export interface LocalEmbedderConfig {
  provider: 'local';
  /** `universal-sentence-encoder-lite` (default) or its alias `use-lite`. */
  model?: string;
  /** Texts per worker call; default 20. Throughput barely depends on it. */
  batchSize?: number;
  /** Worker threads, each with its own copy of the model (about 280 MB of memory each); default os.availableParallelism(). */
  workers?: number;
}

/** Universal Sentence Encoder lite (TensorFlow.js on WebAssembly) in a pool of worker threads. */
export class LocalEmbedder implements Embedder {
  readonly provider = 'local' as const;
  readonly model = LOCAL_MODEL;
  readonly dimensions = LOCAL_DIMENSIONS;
  private readonly batchSize: number;
  private readonly pool: ModelWorkerPool;
  private closed = false;

  /** `pool` is a seam for tests that need a worker which fails; normal use passes only the config. */
  constructor(config: LocalEmbedderConfig, pool?: ModelWorkerPool) {
    const model = config.model ?? LOCAL_MODEL;
    if (!isLocalModel(model)) {
      throw new EmbeddingConfigError('local', `unknown local embedding model '${model}': the local provider has ${LOCAL_MODEL_NAMES.map((m) => `'${m}'`).join(' or ')}`);
    }
    this.batchSize = config.batchSize ?? 20;
    assertPositiveInteger('local', 'batchSize', this.batchSize);
    const workers = config.workers ?? availableParallelism();
    assertPositiveInteger('local', 'workers', workers);
    this.pool = pool ?? new ModelWorkerPool({ size: workers, dimensions: LOCAL_DIMENSIONS });
  }

  get parallelism(): number {
    return this.pool.size;
  }

  async embed(texts: readonly string[], options?: EmbedOptions): Promise<number[][]> {
    return (await this.embedFloat32(texts, options)).map((vector) => Array.from(vector));
  }

  embedFloat32(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new EmbedderClosedError('local'));
    return embedInBatches(texts, { provider: 'local', batchSize: this.batchSize, lanes: this.pool.size }, (batch, signal) => this.pool.run(batch, signal), options);
  }

  async resolveDimensions(): Promise<number> {
    return this.dimensions;
  }

  warmUp(): Promise<void> {
    return this.pool.warmUp();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.close();
  }
}
