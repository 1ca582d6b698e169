import axios, { type AxiosInstance } from 'axios';
import { waitUntil } from '../abortable-wait';
import { EmbeddingRateLimitedError, EmbeddingRequestError, EmbeddingRetriesExhaustedError } from '../errors';
import { ConcurrencyLimit } from './concurrency-limit';
import { serverMessage, vectorsFromResponse } from './embeddings-response';
import { isRetryableStatus, parseRetryAfter, retryDelayMs, type RetryTiming } from './retry-policy';

export interface EmbeddingsClientSettings {
  /** Full endpoint URL, `{baseURL}/embeddings`. */
  url: string;
  model: string;
  apiKey?: string;
  /** Sent as `dimensions` when set (text-embedding-3 models can shorten their vectors). */
  dimensions?: number;
  maxInFlight: number;
  maxAttempts: number;
  requestTimeoutMs: number;
  retry: RetryTiming;
  /** A Retry-After longer than this fails the batch instead of stalling the ingestion. */
  maxRetryAfterMs: number;
}

type Attempt =
  | { ok: true; vectors: Float32Array[] }
  | { ok: false; retryable: boolean; status?: number; reason: string; retryAfterMs?: number; cause?: unknown };

/**
 * POSTs one batch to an OpenAI-compatible `/embeddings` endpoint, retrying 408/429/5xx, network
 * errors and timeouts. Shared by all embed() calls of one embedder, so its in-flight limit and
 * its rate-limit pause hold for the whole service, not per file.
 */
export class OpenAIEmbeddingsClient {
  private readonly http: AxiosInstance = axios.create();
  private readonly inFlight: ConcurrencyLimit;
  /** performance.now() before which no request starts: a 429's Retry-After is about the account, not one request. */
  private notBefore = 0;

  constructor(private readonly settings: EmbeddingsClientSettings) {
    this.inFlight = new ConcurrencyLimit(settings.maxInFlight);
  }

  async embedBatch(texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
    const { maxAttempts, retry, maxRetryAfterMs } = this.settings;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(texts, signal);
      if (outcome.ok) return outcome.vectors;
      if (!outcome.retryable) {
        throw new EmbeddingRequestError(
          outcome.status ?? 0,
          outcome.reason,
          `the embeddings endpoint refused the request (HTTP ${outcome.status}): ${outcome.reason}`,
        );
      }
      if (attempt >= maxAttempts) {
        throw new EmbeddingRetriesExhaustedError(
          attempt,
          outcome.status,
          `embedding a batch of ${texts.length} texts failed ${attempt} times; last: ${outcome.status ? `HTTP ${outcome.status}: ` : ''}${outcome.reason}`,
          { cause: outcome.cause },
        );
      }
      const retryAfterMs = outcome.retryAfterMs;
      if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) {
        throw new EmbeddingRateLimitedError(
          retryAfterMs,
          `the embeddings endpoint asks to wait ${Math.ceil(retryAfterMs / 1000)} s (HTTP ${outcome.status}), ` +
            `longer than maxRetryAfterMs=${maxRetryAfterMs}: lower the request rate or raise the limit`,
        );
      }
      const now = performance.now();
      if (retryAfterMs !== undefined) this.notBefore = Math.max(this.notBefore, now + retryAfterMs);
      await waitUntil(now + retryDelayMs(attempt, retry, retryAfterMs), signal);
    }
  }

  private async attempt(texts: string[], signal: AbortSignal): Promise<Attempt> {
    const { url, model, apiKey, dimensions, requestTimeoutMs } = this.settings;
    const release = await this.inFlight.acquire(signal);
    let response;
    try {
      await waitUntil(this.notBefore, signal);
      // base64: a quarter of the bytes of a JSON array, nothing to parse (OpenAI's own clients ask for it).
      const request = { model, input: texts, encoding_format: 'base64', ...(dimensions ? { dimensions } : {}) };
      response = await this.http.post<string>(url, request, {
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        // A total deadline (axios' own timeout only bounds socket idleness).
        signal: AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)]),
        responseType: 'text',
        transformResponse: [(data: string) => data],
        validateStatus: () => true,
        maxBodyLength: Infinity,
        maxContentLength: Infinity,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      return { ok: false, retryable: true, reason: describeNetworkError(error, requestTimeoutMs), cause: error };
    } finally {
      release();
    }

    const body = typeof response.data === 'string' ? response.data : String(response.data ?? '');
    if (response.status >= 200 && response.status < 300) return { ok: true, vectors: vectorsFromResponse(body, texts.length) };
    return {
      ok: false,
      retryable: isRetryableStatus(response.status),
      status: response.status,
      reason: serverMessage(body),
      retryAfterMs: parseRetryAfter(response.headers as Record<string, unknown>),
    };
  }
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const { code, message, name } = (error ?? {}) as { code?: string; message?: string; name?: string };
  if (name === 'CanceledError' || code === 'ERR_CANCELED') return `no answer within ${timeoutMs} ms (requestTimeoutMs)`;
  return `network error${code ? ` ${code}` : ''}: ${message ?? String(error)}`;
}
