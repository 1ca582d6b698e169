import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { IngestionLog, type AttemptRef } from '../logging/ingestion-log';

interface Pending {
  ref: AttemptRef;
  done: Promise<void>;
}

/** The api is stopping: a job waiting for a dispatch slot gives up, and Bull runs it again later. */
export class ShuttingDownError extends Error {
  constructor() {
    super('the api is shutting down; the dispatch is retried by the queue');
    this.name = 'ShuttingDownError';
  }
}

/**
 * Dispatched requests whose answer has not come yet, and the bound on how many may be open at
 * once (MAX_IN_FLIGHT_DISPATCHES). A request outlives its Bull job; a job that finds every slot
 * taken waits here before it marks its link processing, so the jobs behind it stay in the queue
 * and their links show `pending`. On shutdown the open requests get a grace period; those still
 * open are left to the service's callbacks and the sweeper.
 */
@Injectable()
export class PendingDispatches implements BeforeApplicationShutdown {
  private readonly pending = new Set<Pending>();
  private readonly waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  /** Slots handed out: open requests plus those about to be sent. */
  private taken = 0;
  private closing = false;
  /** SHUTDOWN_GRACE_MS: how long open requests may still answer once the api stops. */
  private readonly graceMs: number;
  /** MAX_IN_FLIGHT_DISPATCHES. */
  private readonly maxInFlight: number;
  /** Most slots ever taken at once in this process. */
  peak = 0;

  constructor(
    @Inject(API_CONFIG) config: Pick<ApiConfig, 'SHUTDOWN_GRACE_MS' | 'MAX_IN_FLIGHT_DISPATCHES'>,
    private readonly log: IngestionLog,
  ) {
    this.graceMs = config.SHUTDOWN_GRACE_MS;
    this.maxInFlight = config.MAX_IN_FLIGHT_DISPATCHES;
  }

  /** Resolves with a release function once a slot is free; rejects when the api shuts down. */
  async acquire(): Promise<() => void> {
    if (this.closing) throw new ShuttingDownError();
    if (this.taken >= this.maxInFlight) await new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.taken++;
    this.peak = Math.max(this.peak, this.taken);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.taken--;
      if (!this.closing) this.waiting.shift()?.resolve();
    };
  }

  /** Keeps `done` (which must never reject) until it settles, then gives the slot back. */
  track(ref: AttemptRef, done: Promise<void>, release: () => void = () => undefined): void {
    const entry = { ref, done };
    this.pending.add(entry);
    // Both ways: a rejection here must not become an unhandled one (it would end the process).
    const forget = () => {
      this.pending.delete(entry);
      release();
    };
    done.then(forget, forget);
  }

  get size(): number {
    return this.pending.size;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new ShuttingDownError());
    if (this.pending.size === 0) return;
    const open = [...this.pending];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(open.map((p) => p.done)), new Promise((r) => (timer = setTimeout(r, this.graceMs)))]);
    clearTimeout(timer);
    // The ingestion service keeps running these requests and reports each outcome by callback to
    // whichever api instance is up (it retries the final one); one that never reports is failed
    // by the stale sweeper. Failing them here would refuse a completion that is still coming.
    for (const entry of this.pending) {
      this.log.for('dispatch', entry.ref).warn({ event: 'dispatch.unobserved' });
    }
  }
}
