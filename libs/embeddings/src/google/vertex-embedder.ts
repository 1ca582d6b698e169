import { VERTEX_EMBEDDING_MODELS, VERTEX_MAX_TOKENS_PER_REQUEST, VERTEX_MAX_TOKENS_PER_TEXT } from '@docingest/contracts';
import { countTokens } from 'gpt-tokenizer';
import type { Embedder, EmbedOptions } from '../embedder';
import { embedInBatches } from '../embed-in-batches';
import { EmbedderClosedError, EmbeddingConfigError, EmbeddingInputError, EmbeddingResponseError } from '../errors';
import { RequestCoalescer } from '../remote/request-coalescer';
import { resolveRemoteOptions, type RemoteEmbedderOptions } from '../remote/remote-embedder-options';
import { VertexEmbeddingsClient, type VertexTaskType } from './vertex-embeddings-client';

/**
 * Defaults besides RemoteEmbedderOptions' own: batchSize the most the model allows (250, or 1 for
 * gemini-embedding-001), retryBaseDelayMs 1 000 (Vertex AI's quotas are per minute),
 * retryMaxDelayMs 30 000. `dimensions` (outputDimensionality) is at most the model's own.
 */
export interface VertexEmbedderConfig extends RemoteEmbedderOptions {
  provider: 'google';
  /** text-embedding-005, text-multilingual-embedding-002 or gemini-embedding-001. */
  model: string;
  /** Google Cloud project billed for the requests. */
  project: string;
  /** Vertex AI region, e.g. us-central1 (or global). */
  location: string;
  /** Base URL instead of Google's regional endpoint. */
  apiEndpoint?: string;
}

/**
 * Cl100k tokens, the count chunking cuts by. Vertex AI counts with its own tokenizer, so the
 * request budget keeps a tenth in hand below its 20,000-token limit.
 */
const REQUEST_TOKEN_BUDGET = Math.floor(VERTEX_MAX_TOKENS_PER_REQUEST * 0.9);

/** Vertex AI text embeddings: chunks as RETRIEVAL_DOCUMENT, queries as RETRIEVAL_QUERY. */
export class VertexEmbedder implements Embedder {
  readonly provider = 'google' as const;
  readonly model: string;
  readonly dimensions: number;
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly client: VertexEmbeddingsClient;
  private readonly requests: Record<VertexTaskType, RequestCoalescer>;
  private closed = false;

  constructor(config: VertexEmbedderConfig) {
    const known = VERTEX_EMBEDDING_MODELS[config.model];
    if (!known) {
      throw new EmbeddingConfigError(
        'google',
        `'${config.model}' is not a Vertex AI embedding model this service knows: use one of ${Object.keys(VERTEX_EMBEDDING_MODELS).join(', ')}`,
      );
    }
    if (!config.project) throw new EmbeddingConfigError('google', 'the google provider needs a Google Cloud project (GOOGLE_CLOUD_PROJECT)');
    if (!config.location) throw new EmbeddingConfigError('google', 'the google provider needs a Vertex AI location, e.g. us-central1 (GOOGLE_CLOUD_LOCATION)');
    const { batchSize, send } = resolveRemoteOptions('google', config, { batchSize: known.maxTextsPerRequest, retryBaseDelayMs: 1_000, retryMaxDelayMs: 30_000 });
    if (config.dimensions !== undefined && config.dimensions > known.dimensions) {
      throw new EmbeddingConfigError('google', `${config.model} gives at most ${known.dimensions} dimensions, not ${config.dimensions}`);
    }
    if (config.apiEndpoint !== undefined) {
      if (!isHttpUrl(config.apiEndpoint)) {
        throw new EmbeddingConfigError('google', `apiEndpoint '${config.apiEndpoint}' is not an absolute URL, e.g. https://us-central1-aiplatform.googleapis.com/`);
      }
    }

    this.model = config.model;
    this.dimensions = config.dimensions ?? known.dimensions;
    this.batchSize = Math.min(batchSize, known.maxTextsPerRequest);
    this.maxInFlight = send.maxInFlight;
    this.client = new VertexEmbeddingsClient({
      project: config.project,
      location: config.location,
      apiEndpoint: config.apiEndpoint,
      model: config.model,
      dimensions: config.dimensions,
      ...send,
    });
    // Pieces of several files share a request only when they are for the same task type.
    const coalescer = (taskType: VertexTaskType) => new RequestCoalescer((texts, signal) => this.sendWithinTokenBudget(texts, taskType, signal), send.maxInFlight);
    this.requests = { RETRIEVAL_DOCUMENT: coalescer('RETRIEVAL_DOCUMENT'), RETRIEVAL_QUERY: coalescer('RETRIEVAL_QUERY') };
  }

  get parallelism(): number {
    return this.maxInFlight;
  }

  embed(texts: readonly string[], options?: EmbedOptions): Promise<number[][]> {
    return this.run(texts, options, (vectors) => vectors.map((vector) => Array.from(vector)));
  }

  embedFloat32(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    return this.run(texts, options, (vectors) => vectors);
  }

  async resolveDimensions(): Promise<number> {
    return this.dimensions;
  }

  async warmUp(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }

  private async run<V>(texts: readonly string[], options: EmbedOptions = {}, convert: (vectors: Float32Array[]) => V[]): Promise<V[]> {
    if (this.closed) throw new EmbedderClosedError('google');
    texts.forEach((text, index) => {
      // Checked before anything is sent, so an over-long chunk fails the file at once.
      const tokens = typeof text === 'string' ? countTokens(text) : 0;
      if (tokens > VERTEX_MAX_TOKENS_PER_TEXT) {
        throw new EmbeddingInputError(
          'google',
          index,
          `text ${index} has about ${tokens} tokens; Vertex AI embeds at most ${VERTEX_MAX_TOKENS_PER_TEXT} per text: use a smaller chunk_size`,
        );
      }
    });
    const requests = this.requests[options.purpose === 'query' ? 'RETRIEVAL_QUERY' : 'RETRIEVAL_DOCUMENT'];
    // A caller's own batch size never goes beyond what the model takes in one request.
    const batchSize = Math.min(options.batchSize ?? this.batchSize, this.batchSize);
    return embedInBatches(
      texts,
      { provider: 'google', batchSize, lanes: this.maxInFlight },
      async (batch, signal, size) => convert(this.checkDimensions(await requests.submit(batch, size, signal))),
      { ...options, batchSize },
    );
  }

  /** Cuts a batch where the next text would pass the request's token budget; the parts go out side by side. */
  private async sendWithinTokenBudget(texts: string[], taskType: VertexTaskType, signal: AbortSignal): Promise<Float32Array[]> {
    const parts: string[][] = [];
    let tokens = Infinity;
    for (const text of texts) {
      const count = countTokens(text);
      if (tokens + count > REQUEST_TOKEN_BUDGET) {
        parts.push([]);
        tokens = 0;
      }
      parts[parts.length - 1].push(text);
      tokens += count;
    }
    const answers = await Promise.all(parts.map((part) => this.client.embedBatch(part, taskType, signal)));
    return answers.flat();
  }

  /** Every vector must have the knowledge base's size: a mixed table cannot be searched. */
  private checkDimensions(vectors: Float32Array[]): Float32Array[] {
    const wrong = vectors.find((vector) => vector.length !== this.dimensions);
    if (wrong) {
      throw new EmbeddingResponseError('google', `model ${this.model} returned a ${wrong.length}-dimension vector, expected ${this.dimensions}`);
    }
    return vectors;
  }
}

function isHttpUrl(text: string): boolean {
  try {
    return /^https?:$/.test(new URL(text).protocol);
  } catch {
    return false;
  }
}
