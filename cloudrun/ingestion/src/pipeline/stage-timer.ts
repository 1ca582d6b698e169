import type { StageTimingsMs } from '@docingest/contracts';

type TimedStage = Exclude<keyof StageTimingsMs, 'total'>;

/**
 * Wall time per stage, for the response and the logs. The stages of a file run as one stream,
 * so each one counts the time the file's pipeline spent on it or waiting for it: reading and
 * cutting text, waiting for embeddings that are not back yet, waiting for the writer. Work
 * going on in the background meanwhile (requests in flight, staging inserts) is not counted
 * twice, so the stages add up to about the total.
 */
export class StageTimer {
  private readonly started = performance.now();
  private readonly spent: Omit<StageTimingsMs, 'total'> = { download: 0, parse: 0, chunk: 0, embed: 0, store: 0, callbacks: 0 };

  async time<T>(stage: TimedStage, work: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.spent[stage] += performance.now() - start;
    }
  }

  add(stage: TimedStage, ms: number): void {
    this.spent[stage] += ms;
  }

  snapshot(): StageTimingsMs {
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      download: round(this.spent.download),
      parse: round(this.spent.parse),
      chunk: round(this.spent.chunk),
      embed: round(this.spent.embed),
      store: round(this.spent.store),
      callbacks: round(this.spent.callbacks),
      total: round(performance.now() - this.started),
    };
  }
}
