import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { LinksRepository } from '../../ingestions/links.repository';

interface Pending {
  linkId: number;
  attempt: number;
  done: Promise<void>;
}

/**
 * Dispatched requests whose answer has not come yet. They outlive their Bull job, so on
 * shutdown they get a grace period and are then recorded as failed rather than forgotten.
 */
@Injectable()
export class PendingDispatches implements BeforeApplicationShutdown {
  private readonly logger = new Logger('dispatch');
  private readonly pending = new Set<Pending>();
  graceMs = 20_000;

  constructor(private readonly links: LinksRepository) {}

  track(linkId: number, attempt: number, done: Promise<void>): void {
    const entry = { linkId, attempt, done };
    this.pending.add(entry);
    void done.finally(() => this.pending.delete(entry));
  }

  get size(): number {
    return this.pending.size;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.pending.size === 0) return;
    const waiting = [...this.pending];
    await Promise.race([Promise.allSettled(waiting.map((p) => p.done)), new Promise((r) => setTimeout(r, this.graceMs))]);
    for (const entry of this.pending) {
      const failed = await this.links
        .failAttempt(entry.linkId, entry.attempt, 'the api shut down while the ingestion was in flight; re-ingest the file')
        .catch(() => false);
      this.logger.warn(JSON.stringify({ event: 'dispatch.abandoned', link_id: entry.linkId, attempt: entry.attempt, recorded: failed }));
    }
  }
}
