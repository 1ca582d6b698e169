import axios, { type AxiosInstance } from 'axios';
import { isRetryableStatus, parseRetryAfter } from '../remote/retry-policy';
import type { RemoteSendSettings } from '../remote/remote-embedder-options';
import { RetryingSender, type Attempt } from '../remote/retrying-sender';
import { serverMessage, vectorsFromResponse } from './embeddings-response';

export interface EmbeddingsClientSettings extends RemoteSendSettings {
  /** Full endpoint URL, `{baseURL}/embeddings`. */
  url: string;
  model: string;
  apiKey?: string;
  /** Sent as `dimensions` when set (text-embedding-3 models can shorten their vectors). */
  dimensions?: number;
}

/**
 * POSTs one batch to an OpenAI-compatible `/embeddings` endpoint; the retrying, the in-flight
 * limit and the rate-limit pause are the RetryingSender's, shared by all embed() calls.
 */
export class OpenAIEmbeddingsClient {
  // maxRedirects 0: an embeddings endpoint answers where it is asked, and without redirects axios
  // sends on Node's http directly instead of through follow-redirects' wrapper, on every batch.
  private readonly http: AxiosInstance = axios.create({ maxRedirects: 0 });
  private readonly sender: RetryingSender;

  constructor(private readonly settings: EmbeddingsClientSettings) {
    this.sender = new RetryingSender({ ...settings, provider: 'openai', endpoint: 'the embeddings endpoint' }, (texts, signal) => this.attempt(texts, signal));
  }

  embedBatch(texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
    return this.sender.send(texts, signal);
  }

  private async attempt(texts: string[], signal: AbortSignal): Promise<Attempt> {
    const { url, model, apiKey, dimensions, requestTimeoutMs } = this.settings;
    let response;
    try {
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

export function describeNetworkError(error: unknown, timeoutMs: number): string {
  const { code, message, name } = (error ?? {}) as { code?: string; message?: string; name?: string };
  if (name === 'CanceledError' || code === 'ERR_CANCELED' || name === 'TimeoutError') return `no answer within ${timeoutMs} ms (requestTimeoutMs)`;
  return `network error${code ? ` ${code}` : ''}: ${message ?? String(error)}`;
}
