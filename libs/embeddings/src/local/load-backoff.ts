export interface LoadRetryOptions {
  /** Consecutive failed loads (over all threads) before calls fail with the load error; default 3. */
  attempts?: number;
  /** Wait after the first failed load, doubled after each further one; default 500 ms. */
  backoffMs?: number;
  /** The longest wait; default 30 s. */
  maxBackoffMs?: number;
}

/**
 * Counts the model loads that failed in a row, over all of a pool's threads, and says how long
 * to wait before the next thread tries. A load that succeeds starts the count over.
 */
export class LoadBackoff {
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private failures = 0;
  private lastCause = '';
  private retryAt = 0;

  constructor(options: LoadRetryOptions = {}) {
    this.attempts = options.attempts ?? 3;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** Why loads keep failing while the wait after the last one runs; undefined when a thread may try. */
  refusal(): string | undefined {
    return this.exhausted && Date.now() < this.retryAt ? this.lastCause : undefined;
  }

  /** As many loads in a row failed as allowed: the caller stops retrying and reports the cause. */
  get exhausted(): boolean {
    return this.failures >= this.attempts;
  }

  /** Records a failed load; answers how long to wait before a thread tries again. */
  failed(cause: string): number {
    this.failures++;
    this.lastCause = cause;
    const wait = Math.min(this.backoffMs * 2 ** (this.failures - 1), this.maxBackoffMs);
    this.retryAt = Date.now() + wait;
    return wait;
  }

  loaded(): void {
    this.failures = 0;
  }
}
