import { isRetryableStatus, parseRetryAfter, retryDelayMs } from './retry-policy';

describe('retry policy', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');

  it('reads Retry-After as seconds, as an HTTP date, and retry-after-ms first', () => {
    expect(parseRetryAfter({ 'retry-after': '7' }, now)).toBe(7000);
    expect(parseRetryAfter({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 01 Jan 2025 12:00:30 GMT' }, now)).toBe(30_000);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 01 Jan 2025 11:59:00 GMT' }, now)).toBe(0);
    expect(parseRetryAfter({ 'retry-after': '7', 'retry-after-ms': '1250' }, now)).toBe(1250);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });

  it('never waits less than Retry-After, and at most 10% more', () => {
    const timing = { baseDelayMs: 500, maxDelayMs: 20_000 };
    expect(retryDelayMs(1, timing, 3000, () => 0)).toBe(3000);
    expect(retryDelayMs(1, timing, 3000, () => 0.999)).toBeLessThan(3300);
  });

  it('backs off exponentially with jitter, capped', () => {
    const timing = { baseDelayMs: 500, maxDelayMs: 4000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, timing, undefined, () => 1))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(retryDelayMs(2, timing, undefined, () => 0)).toBe(500);
  });

  it('retries 408, 429 and 5xx only', () => {
    expect([408, 429, 500, 503].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });
});
