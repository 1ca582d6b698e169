import type { EmbeddingProvider } from '@docingest/contracts';

export type { EmbeddingProvider };

export interface EmbedOptions {
  /** Aborting rejects embed() with EmbeddingAbortedError; queued batches are dropped, requests cancelled. */
  signal?: AbortSignal;
  /** Texts per request (openai) or per worker call (local); defaults to the embedder's batchSize. */
  batchSize?: number;
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
  /** Plain arrays: what `pg`/pgvector and LlamaIndex take without conversion. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<number[][]>;
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
