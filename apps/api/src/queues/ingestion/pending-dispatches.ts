import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';

interface Pending {
  linkId: number;
  attempt: number;
  done: Promise<void>;
}

/**
 * Dispatched requests whose answer has not come yet. They outlive their Bull job, so on
 * shutdown they get a grace period; those still open are left to the service's callbacks and the sweeper.
 */
@Injectable()
export class PendingDispatches implements BeforeApplicationShutdown {
  private readonly logger = new Logger('dispatch');
  private readonly pending = new Set<Pending>();
  graceMs = 20_000;

  track(linkId: number, attempt: number, done: Promise<void>): void {
    const entry = { linkId, attempt, done };
    this.pending.add(entry);
    // Both ways: a rejection here must not become an unhandled one (it would end the process).
    const forget = () => void this.pending.delete(entry);
    done.then(forget, forget);
  }

  get size(): number {
    return this.pending.size;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.pending.size === 0) return;
    const waiting = [...this.pending];
    await Promise.race([Promise.allSettled(waiting.map((p) => p.done)), new Promise((r) => setTimeout(r, this.graceMs))]);
    // The ingestion service keeps running these requests and reports each outcome by callback to
    // whichever api instance is up (it retries the final one); one that never reports is failed
    // by the stale sweeper. Failing them here would refuse a completion that is still coming.
    for (const entry of this.pending) {
      this.logger.warn(JSON.stringify({ event: 'dispatch.unobserved', link_id: entry.linkId, attempt: entry.attempt }));
    }
  }
}
