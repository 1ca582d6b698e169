import type { Embedder, EmbedOptions } from '../embedder';
import { embedInBatches } from '../embed-in-batches';
import { EmbedderClosedError, EmbeddingConfigError, EmbeddingResponseError } from '../errors';
import { KNOWN_OPENAI_DIMENSIONS } from '@docingest/contracts';
import { OpenAIEmbeddingsClient } from './openai-embeddings-client';
import { RequestCoalescer } from '../remote/request-coalescer';
import { resolveRemoteOptions, type RemoteEmbedderOptions } from '../remote/remote-embedder-options';

/**
 * Defaults besides RemoteEmbedderOptions' own: batchSize 20, retryBaseDelayMs 500, retryMaxDelayMs
 * 20 000 (Retry-After is honoured beyond it). `dimensions` is sent when set; otherwise the
 * model's known size or its first answer.
 */
export interface OpenAIEmbedderConfig extends RemoteEmbedderOptions {
  provider: 'openai';
  model: string;
  /** Any OpenAI-compatible API root; default https://api.openai.com/v1. */
  baseURL?: string;
  /** Sent as a Bearer token when set (local compatible servers often need none). */
  apiKey?: string;
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
    const { batchSize, send } = resolveRemoteOptions('openai', config, { batchSize: 20, retryBaseDelayMs: 500, retryMaxDelayMs: 20_000 });

    this.batchSize = batchSize;
    this.maxInFlight = send.maxInFlight;
    this.learntDimensions = config.dimensions ?? KNOWN_OPENAI_DIMENSIONS[config.model];
    this.client = new OpenAIEmbeddingsClient({
      url: `${endpointRoot(config.baseURL)}/embeddings`,
      model: config.model,
      apiKey: config.apiKey || undefined,
      dimensions: config.dimensions,
      ...send,
    });
    this.requests = new RequestCoalescer(async (texts, signal) => this.checkDimensions(await this.client.embedBatch(texts, signal)), send.maxInFlight);
  }

  get parallelism(): number {
    return this.maxInFlight;
  }

  get dimensions(): number | undefined {
    return this.learntDimensions;
  }

  /** Texts of every caller waiting for a request slot. */
  get queuedTexts(): number {
    return this.requests.queued;
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
