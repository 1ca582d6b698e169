import type { GoogleGenAI } from '@google/genai';
import { EmbeddingResponseError } from '../errors';
import { describeNetworkError } from '../openai/openai-embeddings-client';
import { isRetryableStatus } from '../remote/retry-policy';
import type { RemoteSendSettings } from '../remote/remote-embedder-options';
import { RetryingSender, type Attempt } from '../remote/retrying-sender';

/** What the text is for: Vertex AI embeds a passage and a question about it differently. */
export type VertexTaskType = 'RETRIEVAL_DOCUMENT' | 'RETRIEVAL_QUERY';

export interface VertexClientSettings extends RemoteSendSettings {
  project: string;
  location: string;
  /** Base URL instead of https://{location}-aiplatform.googleapis.com/ (a private endpoint, a loopback stand-in). */
  apiEndpoint?: string;
  model: string;
  /** Sent as outputDimensionality when set. */
  dimensions?: number;
}

/**
 * One `:predict` request per batch through Google's own client (@google/genai in Vertex mode),
 * which finds Application Default Credentials itself: the service account of the Cloud Run
 * service through the metadata server, or the developer's `gcloud auth application-default
 * login`. Retrying, the in-flight limit and the rate-limit pause are the RetryingSender's.
 */
export class VertexEmbeddingsClient {
  private client: GoogleGenAI | undefined;
  /** One sender for both task types: one in-flight limit, which is what the quota counts. */
  private readonly sender: RetryingSender<VertexTaskType>;

  constructor(private readonly settings: VertexClientSettings) {
    this.sender = new RetryingSender({ ...settings, provider: 'google', endpoint: 'Vertex AI' }, (texts, signal, taskType) => this.attempt(texts, signal, taskType));
  }

  embedBatch(texts: string[], taskType: VertexTaskType, signal: AbortSignal): Promise<Float32Array[]> {
    return this.sender.send(texts, signal, taskType);
  }

  private async attempt(texts: string[], signal: AbortSignal, taskType: VertexTaskType): Promise<Attempt> {
    const { model, dimensions, requestTimeoutMs } = this.settings;
    let response;
    try {
      response = await this.genai().models.embedContent({
        model,
        contents: texts,
        config: {
          taskType,
          ...(dimensions ? { outputDimensionality: dimensions } : {}),
          // A text past the model's token limit fails instead of losing its tail without a word.
          autoTruncate: false,
          abortSignal: AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)]),
        },
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number') {
        const { message, retryAfterMs } = googleError((error as Error).message);
        return { ok: false, retryable: isRetryableStatus(status), status, reason: message, retryAfterMs, cause: error };
      }
      return { ok: false, retryable: true, reason: describeNetworkError(error, requestTimeoutMs), cause: error };
    }
    const vectors = (response.embeddings ?? []).map((embedding) => embedding.values);
    if (vectors.length !== texts.length || !vectors.every((v) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
      throw new EmbeddingResponseError('google', `Vertex AI answered ${vectors.length} embeddings for ${texts.length} texts, or one without numeric values`);
    }
    return { ok: true, vectors: (vectors as number[][]).map((vector) => Float32Array.from(vector)) };
  }

  private genai(): GoogleGenAI {
    if (!this.client) {
      // Loaded on first use: the SDK is large, and most deployments never embed with Vertex AI.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { GoogleGenAI } = require('@google/genai') as typeof import('@google/genai');
      const { project, location, apiEndpoint } = this.settings;
      this.client = new GoogleGenAI({
        vertexai: true,
        project,
        location,
        apiVersion: 'v1',
        // Node's own fetch: without it the client reaches for undici's global dispatcher, which a
        // sandboxed context (Jest's) does not share. requestTimeoutMs bounds every request anyway.
        httpOptions: { fetch: (input, init) => fetch(input, init), ...(apiEndpoint ? { baseUrl: apiEndpoint } : {}) },
      });
    }
    return this.client;
  }
}

/**
 * The reason and the asked-for wait in a Google API error, which the client hands over as the
 * JSON body in the message: `{error: {code, message, status, details: [{retryDelay: "30s"}]}}`.
 */
export function googleError(text: string): { message: string; retryAfterMs?: number } {
  try {
    const { error } = JSON.parse(text) as { error?: { message?: unknown; status?: unknown; details?: Array<{ retryDelay?: unknown }> } };
    const message = typeof error?.message === 'string' && error.message ? error.message : text;
    const delay = error?.details?.map((d) => d?.retryDelay).find((d): d is string => typeof d === 'string');
    const seconds = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1] : undefined;
    return {
      message: typeof error?.status === 'string' ? `${error.status}: ${message}` : message,
      retryAfterMs: seconds === undefined ? undefined : Number(seconds) * 1000,
    };
  } catch {
    return { message: text.length > 300 ? `${text.slice(0, 300)}…` : text };
  }
}
