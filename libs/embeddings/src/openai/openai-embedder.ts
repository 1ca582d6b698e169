import type { Embedder, EmbedOptions } from '../embedder';
import { assertPositiveInteger, embedInBatches } from '../embed-in-batches';
import { EmbedderClosedError, EmbeddingConfigError, EmbeddingResponseError } from '../errors';
import { KNOWN_OPENAI_DIMENSIONS } from '@docingest/contracts';
import { OpenAIEmbeddingsClient } from './openai-embeddings-client';
import { RequestCoalescer } from '../remote/request-coalescer';

export interface OpenAIEmbedderConfig {
  provider: 'openai';
  model: string;
  /** Any OpenAI-compatible API root; default https://api.openai.com/v1. */
  baseURL?: string;
  /** Sent as a Bearer token when set (local compatible servers often need none). */
  apiKey?: string;
  /** Requested vector size (sent as `dimensions`); otherwise the model's known size or its first answer. */
  dimensions?: number;
  /** Inputs per request; default 20. */
  batchSize?: number;
  /**
   * Requests in flight at once across all embed() calls; default 4. While all are busy, the
   * batches of concurrent calls wait together and share the next request (up to each call's batch size).
   */
  maxInFlight?: number;
  /** Tries per batch, first included; default 6. */
  maxAttempts?: number;
  /** Total time allowed for one request; default 60 000. */
  requestTimeoutMs?: number;
  /** First backoff delay, doubled per retry; default 500. */
  retryBaseDelayMs?: number;
  /** Backoff cap (Retry-After is honoured beyond it); default 20 000. */
  retryMaxDelayMs?: number;
  /** Longest Retry-After honoured; a longer one fails the batch. Default 60 000. */
  maxRetryAfterMs?: number;
}

/** Embeddings from an OpenAI-compatible `/embeddings` endpoint. */
export class OpenAIEmbedder implements Embedder {
  readonly provider = 'openai' as const;
  readonly model: string;
  private learntDimensions: number | undefined;
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly client: OpenAIEmbeddingsClient;
  private readonly requests: RequestCoalescer;
  private closed = false;

  constructor(config: OpenAIEmbedderConfig) {
    if (typeof config.model !== 'string' || config.model.trim() === '') {
      throw new EmbeddingConfigError('openai', 'the openai provider needs a model name, e.g. text-embedding-3-small');
    }
    this.model = config.model;
    const numbers = {
      batchSize: config.batchSize ?? 20,
      maxInFlight: config.maxInFlight ?? 4,
      maxAttempts: config.maxAttempts ?? 6,
      requestTimeoutMs: config.requestTimeoutMs ?? 60_000,
      retryBaseDelayMs: config.retryBaseDelayMs ?? 500,
      retryMaxDelayMs: config.retryMaxDelayMs ?? 20_000,
      maxRetryAfterMs: config.maxRetryAfterMs ?? 60_000,
    };
    for (const [name, value] of Object.entries(numbers)) assertPositiveInteger('openai', name, value);
    if (config.dimensions !== undefined) assertPositiveInteger('openai', 'dimensions', config.dimensions);

    this.batchSize = numbers.batchSize;
    this.maxInFlight = numbers.maxInFlight;
    this.learntDimensions = config.dimensions ?? KNOWN_OPENAI_DIMENSIONS[config.model];
    this.client = new OpenAIEmbeddingsClient({
      url: `${endpointRoot(config.baseURL)}/embeddings`,
      model: config.model,
      apiKey: config.apiKey || undefined,
      dimensions: config.dimensions,
      maxInFlight: numbers.maxInFlight,
      maxAttempts: numbers.maxAttempts,
      requestTimeoutMs: numbers.requestTimeoutMs,
      retry: { baseDelayMs: numbers.retryBaseDelayMs, maxDelayMs: numbers.retryMaxDelayMs },
      maxRetryAfterMs: numbers.maxRetryAfterMs,
    });
    this.requests = new RequestCoalescer(async (texts, signal) => this.checkDimensions(await this.client.embedBatch(texts, signal)), numbers.maxInFlight);
  }

  get parallelism(): number {
    return this.maxInFlight;
  }

  get dimensions(): number | undefined {
    return this.learntDimensions;
  }

  embed(texts: readonly string[], options?: EmbedOptions): Promise<number[][]> {
    if (this.closed) return Promise.reject(new EmbedderClosedError('openai'));
    return embedInBatches(
      texts,
      { provider: 'openai', batchSize: this.batchSize, lanes: this.maxInFlight },
      async (batch, signal, batchSize) => (await this.requests.submit(batch, batchSize, signal)).map((vector) => Array.from(vector)),
      options,
    );
  }

  async embedFloat32(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    if (this.closed) throw new EmbedderClosedError('openai');
    return embedInBatches(
      texts,
      { provider: 'openai', batchSize: this.batchSize, lanes: this.maxInFlight },
      (batch, signal, batchSize) => this.requests.submit(batch, batchSize, signal),
      options,
    );
  }

  async resolveDimensions(options: { signal?: AbortSignal } = {}): Promise<number> {
    if (this.learntDimensions === undefined) await this.embed(['dimension probe'], options);
    return this.learntDimensions as number;
  }

  async warmUp(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Every vector must have the model's size: a mixed table cannot be searched. */
  private checkDimensions(vectors: Float32Array[]): Float32Array[] {
    const expected = this.learntDimensions ?? vectors[0]?.length;
    const wrong = vectors.find((vector) => vector.length !== expected);
    if (wrong) {
      throw new EmbeddingResponseError(
        'openai',
        `model ${this.model} returned a ${wrong.length}-dimension vector, expected ${expected}: check the model name and the dimensions setting`,
      );
    }
    this.learntDimensions = expected;
    return vectors;
  }
}

function endpointRoot(baseURL = 'https://api.openai.com/v1'): string {
  try {
    new URL(baseURL);
  } catch {
    throw new EmbeddingConfigError('openai', `baseURL '${baseURL}' is not an absolute URL, e.g. https://api.openai.com/v1`);
  }
  return baseURL.replace(/\/+$/, '');
}
