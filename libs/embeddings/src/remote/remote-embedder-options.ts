import type { EmbeddingProvider } from '../embedder';
import { assertPositiveInteger } from '../embed-in-batches';
import type { RetryTiming } from './retry-policy';

/**
 * What the Vertex AI and OpenAI embedders both take besides their endpoint and model. Where the
 * two APIs differ (texts per request, backoff), each embedder's config names its own default.
 */
export interface RemoteEmbedderOptions {
  /** Vector size asked for (`dimensions`, `outputDimensionality`); default the model's own. */
  dimensions?: number;
  /** Texts per request. */
  batchSize?: number;
  /**
   * Requests in flight at once across all embed() calls; default 4. While all are busy, the
   * texts of concurrent calls wait in one queue and the next request takes up to a batch size of
   * them from its head (RequestCoalescer).
   */
  maxInFlight?: number;
  /** Tries per request, first included; default 6. */
  maxAttempts?: number;
  /** Total time allowed for one request; default 60 000. */
  requestTimeoutMs?: number;
  /** First backoff delay, doubled per retry. */
  retryBaseDelayMs?: number;
  /** Backoff cap (a wait the API asks for is honoured beyond it). */
  retryMaxDelayMs?: number;
  /** Longest wait a 429 or quota error may ask for; a longer one fails the batch. Default 60 000. */
  maxRetryAfterMs?: number;
}

/** How a remote client sends: what the RetryingSender needs, and the deadline of one request. */
export interface RemoteSendSettings {
  maxInFlight: number;
  maxAttempts: number;
  requestTimeoutMs: number;
  retry: RetryTiming;
  /** A wait asked for longer than this fails the batch instead of stalling the ingestion. */
  maxRetryAfterMs: number;
}

/** The defaults that differ between the remote APIs. */
export interface RemoteDefaults {
  batchSize: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

/**
 * The options with the provider's defaults filled in, every number checked to be a positive
 * integer (a config error naming the option otherwise).
 */
export function resolveRemoteOptions(
  provider: EmbeddingProvider,
  options: RemoteEmbedderOptions,
  defaults: RemoteDefaults,
): { batchSize: number; send: RemoteSendSettings } {
  const numbers = {
    batchSize: options.batchSize ?? defaults.batchSize,
    maxInFlight: options.maxInFlight ?? 4,
    maxAttempts: options.maxAttempts ?? 6,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    retryBaseDelayMs: options.retryBaseDelayMs ?? defaults.retryBaseDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs ?? defaults.retryMaxDelayMs,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
  };
  for (const [name, value] of Object.entries(numbers)) assertPositiveInteger(provider, name, value);
  if (options.dimensions !== undefined) assertPositiveInteger(provider, 'dimensions', options.dimensions);
  return {
    batchSize: numbers.batchSize,
    send: {
      maxInFlight: numbers.maxInFlight,
      maxAttempts: numbers.maxAttempts,
      requestTimeoutMs: numbers.requestTimeoutMs,
      retry: { baseDelayMs: numbers.retryBaseDelayMs, maxDelayMs: numbers.retryMaxDelayMs },
      maxRetryAfterMs: numbers.maxRetryAfterMs,
    },
  };
}
