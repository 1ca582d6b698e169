import type { EmbeddingProvider } from '@docingest/contracts';

export type { EmbeddingProvider };

export interface EmbedOptions {
  /** Aborting rejects embed() with EmbeddingAbortedError; queued batches are dropped, requests cancelled. */
  signal?: AbortSignal;
  /** Texts per request (openai) or per worker call (local); defaults to the embedder's batchSize. */
  batchSize?: number;
  /**
   * What the texts are: passages to store ('document', the default) or a search query. Providers
   * that embed the two differently (google's task types) use it; the others ignore it.
   */
  purpose?: 'document' | 'query';
  /** Called after each finished batch with the number of texts embedded so far; `done` only grows. */
  onProgress?: (done: number, total: number) => void;
}

/** Turns texts into vectors, one per text, in input order. */
export interface Embedder {
  readonly provider: EmbeddingProvider;
  /** Canonical model name (an alias given in the config is resolved). */
  readonly model: string;
  /**
   * Vector length. Undefined only for an OpenAI-compatible model of unknown size that was not
   * configured, until its first answer: use resolveDimensions() when it must be known up front.
   */
  readonly dimensions: number | undefined;
  /**
   * Batches the provider works on at once (worker threads, or requests in flight), shared by every
   * caller: a caller that feeds batches as they come keeps about this many outstanding.
   */
  readonly parallelism: number;
  /** Plain arrays: what `pg`/pgvector and LlamaIndex take without conversion. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<number[][]>;
  /**
   * The same vectors as Float32Array, half the memory of plain arrays (pgvector stores float32
   * anyway): for callers that hold many vectors before storing them.
   */
  embedFloat32(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /** The vector length, asking the provider with one short text if it is not known yet. */
  resolveDimensions(options?: { signal?: AbortSignal }): Promise<number>;
  /** Loads what the first embed() would otherwise load (the local model); a no-op for remote providers. */
  warmUp(): Promise<void>;
  /**
   * Releases the provider: local stops its worker threads and rejects batches still pending;
   * openai lets requests in flight finish. embed() afterwards rejects with EmbedderClosedError.
   */
  close(): Promise<void>;
}
