import { waitUntil } from '../abortable-wait';
import type { EmbeddingProvider } from '../embedder';
import { EmbeddingRateLimitedError, EmbeddingRequestError, EmbeddingRetriesExhaustedError } from '../errors';
import { ConcurrencyLimit } from '@docingest/worker-pool';
import { retryDelayMs, type RetryTiming } from './retry-policy';

/** What one try of one request gave: vectors, or why not and whether trying again can help. */
export type Attempt = { ok: true; vectors: Float32Array[] } | { ok: false; retryable: boolean; status?: number; reason: string; retryAfterMs?: number; cause?: unknown };

export interface RetryingSenderSettings {
  provider: EmbeddingProvider;
  /** Names the remote side in error messages, e.g. "the embeddings endpoint". */
  endpoint: string;
  maxInFlight: number;
  maxAttempts: number;
  retry: RetryTiming;
  /** A wait asked for longer than this fails the batch instead of stalling the ingestion. */
  maxRetryAfterMs: number;
}

/**
 * Sends one batch to a remote embedding API through `attempt`, retrying what may pass later
 * (429, 5xx, network errors, timeouts) with backoff. One sender is shared by all embed() calls
 * of an embedder, so its in-flight limit and its rate-limit pause hold for the whole service,
 * not per file.
 */
export class RetryingSender<Context = undefined> {
  private readonly inFlight: ConcurrencyLimit;
  /** performance.now() before which no request starts: a 429's wait is about the account, not one request. */
  private notBefore = 0;

  constructor(
    private readonly settings: RetryingSenderSettings,
    /** One try; `context` is whatever the caller passed to send() (e.g. the task type). */
    private readonly attempt: (texts: string[], signal: AbortSignal, context: Context) => Promise<Attempt>,
  ) {
    this.inFlight = new ConcurrencyLimit(settings.maxInFlight);
  }

  async send(texts: string[], signal: AbortSignal, context?: Context): Promise<Float32Array[]> {
    const { provider, endpoint, maxAttempts, retry, maxRetryAfterMs } = this.settings;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.once(texts, signal, context as Context);
      if (outcome.ok) return outcome.vectors;
      if (!outcome.retryable) {
        throw new EmbeddingRequestError(provider, outcome.status ?? 0, outcome.reason, `${endpoint} refused the request (HTTP ${outcome.status}): ${outcome.reason}`);
      }
      if (attempt >= maxAttempts) {
        throw new EmbeddingRetriesExhaustedError(
          provider,
          attempt,
          outcome.status,
          `embedding a batch of ${texts.length} texts failed ${attempt} times; last: ${outcome.status ? `HTTP ${outcome.status}: ` : ''}${outcome.reason}`,
          { cause: outcome.cause },
        );
      }
      const retryAfterMs = outcome.retryAfterMs;
      if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) {
        throw new EmbeddingRateLimitedError(
          provider,
          retryAfterMs,
          `${endpoint} asks to wait ${Math.ceil(retryAfterMs / 1000)} s (HTTP ${outcome.status}), ` +
            `longer than maxRetryAfterMs=${maxRetryAfterMs}: lower the request rate or raise the limit`,
        );
      }
      const now = performance.now();
      if (retryAfterMs !== undefined) this.notBefore = Math.max(this.notBefore, now + retryAfterMs);
      await waitUntil(now + retryDelayMs(attempt, retry, retryAfterMs), signal);
    }
  }

  private async once(texts: string[], signal: AbortSignal, context: Context): Promise<Attempt> {
    const release = await this.inFlight.acquire(signal);
    try {
      await waitUntil(this.notBefore, signal);
      return await this.attempt(texts, signal, context);
    } finally {
      release();
    }
  }
}
