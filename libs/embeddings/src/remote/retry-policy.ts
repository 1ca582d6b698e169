/** When and how long to wait before retrying an embeddings request. */

export interface RetryTiming {
  /** Delay before the first retry; doubles with each further one. */
  baseDelayMs: number;
  /** Cap on the exponential delay (not on what the server asks for). */
  maxDelayMs: number;
}

/** 408 and 429 say "try later", 5xx says the server failed; other 4xx will fail the same way again. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The wait the server asks for, in ms, or undefined. Reads `retry-after-ms` (OpenAI's precise
 * variant) first, then `Retry-After` as seconds or as an HTTP date (a past date means now).
 */
export function parseRetryAfter(headers: { 'retry-after'?: unknown; 'retry-after-ms'?: unknown }, nowMs: number = Date.now()): number | undefined {
  const precise = headerText(headers['retry-after-ms']);
  if (precise !== undefined && /^\d+(\.\d+)?$/.test(precise)) return Number(precise);
  const value = headerText(headers['retry-after']);
  if (value === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random), so clients that failed
 * together do not retry together. When the server gave a Retry-After, wait at least that, plus
 * up to 10% so a crowd told the same time spreads out.
 */
export function retryDelayMs(retry: number, timing: RetryTiming, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return retryAfterMs + random() * retryAfterMs * 0.1;
  const exponential = Math.min(timing.maxDelayMs, timing.baseDelayMs * 2 ** (retry - 1));
  return exponential / 2 + random() * (exponential / 2);
}

function headerText(value: unknown): string | undefined {
  if (Array.isArray(value)) return headerText(value[0]);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
