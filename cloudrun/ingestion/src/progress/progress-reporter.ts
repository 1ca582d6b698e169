import { INGESTION_STAGES, type AttemptWork, type CancelReason, type IngestionStage, type ProgressUpdate } from '@docingest/contracts';
import type { CallbackClient } from './callback-client';
import { overallPercent } from './stage-progress';

export interface ProgressTarget {
  fileUuid: string;
  linkId: number | null;
  attempt: number | null;
  /** The ingestion's trace, sent as `traceparent` on every callback (docs/wire-contract.md#trace). */
  traceparent?: string;
}

export interface ProgressReporterOptions {
  /** Chunks that must progress between two reports within a stage. */
  everyChunks: number;
  minIntervalMs: number;
  /** How long the final report is retried before giving up. */
  finalRetryMs: number;
  /**
   * With nothing else sent for this long, the last report is sent again, so the api can tell a
   * long stage (a large PDF parsed in a worker, a slow embedding call) from a dead service.
   * A timer, not the pipeline, sends it. 0: never.
   */
  heartbeatMs?: number;
  /**
   * How long a report that does not wait for an answer (a stage start, progress, a heartbeat) is
   * held before it is sent, a newer one replacing it meanwhile. A file through its first stages
   * quicker than this sends one report for them, or none when the storing boundary or the final
   * report comes first: each callback is a request both sides pay for. 0: sent at once.
   */
  holdMs?: number;
  log: (event: string, fields: Record<string, unknown>) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reports progress to the api without ever slowing or failing the ingestion: reports are sent
 * one at a time in order, a newer report replaces one still waiting, failures are retried with
 * backoff, and the final report is retried for `finalRetryMs` before it is given up.
 */
export class ProgressReporter {
  private pending: ProgressUpdate | null = null;
  private sending: Promise<void> | null = null;
  /** A confirm on its way: every later report waits for it, so the api gets them in order. */
  private confirming: Promise<void> | null = null;
  private lastSentAt = 0;
  private lastChunks = 0;
  private lastStage: IngestionStage | null = null;
  private highest = 0;
  private delivered = 0;
  private timeSpentMs = 0;
  private last: ProgressUpdate | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private finished = false;
  private cancel: CancelReason | undefined;
  /** Ends the hold of the report waiting to be sent (see ProgressReporterOptions.holdMs). */
  private releaseHold: (() => void) | null = null;

  constructor(
    private readonly client: CallbackClient,
    private readonly target: ProgressTarget,
    private readonly options: ProgressReporterOptions,
  ) {}

  /** Time spent on the final report, which the pipeline waits for (its wait for a confirm, the caller times). */
  get blockingMs(): number {
    return this.timeSpentMs;
  }

  get deliveredCount(): number {
    return this.delivered;
  }

  /** Set once an answer of the api said it no longer wants this attempt; the pipeline stops at its next boundary. */
  get cancelled(): CancelReason | undefined {
    return this.cancel;
  }

  /**
   * A stage boundary that waits for the api's answer before the pipeline goes on: the one before
   * the file's chunks become visible, so a file removed meanwhile is not stored at all. An api
   * that cannot be reached does not stop the ingestion (its final report is retried). An attempt
   * already told to stop (by the answer to an earlier report) does not report the boundary.
   * Reports of earlier stages asked for after it are not sent (see advance).
   */
  async confirm(stage: IngestionStage, totalChunks = 0): Promise<CancelReason | undefined> {
    if (this.cancel) return this.cancel;
    this.startHeartbeat();
    this.lastStage = stage;
    this.lastChunks = 0;
    const update = this.update(stage, 0, totalChunks);
    // A report still held is dropped: this one is further on. One already on its way goes first.
    this.dropHeld();
    const earlier = this.sending;
    const delivery = (async () => {
      await earlier;
      if (this.cancel) return;
      this.lastSentAt = Date.now();
      this.last = update;
      const { outcome, cancel } = await this.client.send(this.target, update);
      if (outcome === 'delivered') this.delivered++;
      this.cancel ??= cancel;
    })();
    this.confirming = delivery;
    try {
      await delivery;
    } finally {
      if (this.confirming === delivery) this.confirming = null;
    }
    return this.cancel;
  }

  /** A stage starts: reported, unless a later report overtakes it while it is held (holdMs). */
  stage(stage: IngestionStage, totalChunks = 0): void {
    this.startHeartbeat();
    this.lastStage = stage;
    this.lastChunks = 0;
    this.enqueue(this.update(stage, 0, totalChunks));
  }

  /**
   * Chunks progressed within a stage: reported when enough moved and enough time passed. Never
   * for a stage before the one last reported (embedding finishing while storing is confirmed).
   */
  advance(stage: IngestionStage, done: number, total: number): void {
    if (this.lastStage !== null && INGESTION_STAGES.indexOf(stage) < INGESTION_STAGES.indexOf(this.lastStage)) return;
    const everyChunks = done - this.lastChunks >= this.options.everyChunks;
    const interval = Date.now() - this.lastSentAt >= this.options.minIntervalMs;
    if (stage !== this.lastStage || (everyChunks && interval)) {
      this.lastStage = stage;
      this.lastChunks = done;
      this.enqueue(this.update(stage, done, total));
    }
  }

  /**
   * The final report, completed or failed; resolves once delivered or given up, never rejects.
   * Resolves with the api's cancel, if its answer (or an earlier one) carried one.
   */
  async finish(
    final:
      | { status: 'completed'; chunks: number; pages?: number; pages_skipped?: number; work?: AttemptWork }
      | { status: 'failed'; error: string; stage?: IngestionStage; chunks?: number },
  ): Promise<CancelReason | undefined> {
    const started = Date.now();
    this.finished = true;
    this.stopHeartbeat();
    this.dropHeld();
    this.pending = null;
    if (this.confirming) await this.confirming;
    await this.sending;
    const update: ProgressUpdate = {
      progress: final.status === 'completed' ? 100 : this.highest,
      processed_docs: final.chunks ?? 0,
      total_docs: final.chunks ?? 0,
      link_id: this.target.linkId,
      status: final.status,
      chunks: final.chunks ?? 0,
      attempt: this.target.attempt,
      ...(final.status === 'completed' ? final.work : {}),
    };
    // The outcome travels on this report: the api records the page counts from it, not from the answer.
    if (final.status === 'completed' && final.pages !== undefined) {
      update.pages = final.pages;
      update.pages_skipped = final.pages_skipped ?? 0;
    }
    if (final.status === 'failed') {
      update.error = final.error.slice(0, 4000);
      if (final.stage) update.stage = final.stage;
    }
    const deadline = Date.now() + this.options.finalRetryMs;
    let delay = 250;
    for (let attempt = 1; ; attempt++) {
      const { outcome, detail, cancel } = await this.client.send(this.target, update);
      if (outcome === 'delivered') this.delivered++;
      this.cancel ??= cancel;
      if (outcome !== 'unreachable') {
        this.options.log('progress.final', { status: final.status, outcome, detail, attempt, cancel });
        break;
      }
      if (Date.now() + delay > deadline) {
        this.options.log('progress.final_undelivered', { status: final.status, detail, attempt });
        break;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
    this.timeSpentMs += Date.now() - started;
    return this.cancel;
  }

  private startHeartbeat(): void {
    const every = this.options.heartbeatMs ?? 0;
    if (this.heartbeat || this.finished || every <= 0) return;
    this.heartbeat = setInterval(
      () => {
        if (this.last && !this.finished && Date.now() - this.lastSentAt >= every) {
          this.options.log('progress.heartbeat', { stage: this.last.stage, progress: this.last.progress });
          this.enqueue({ ...this.last });
        }
      },
      Math.max(10, Math.floor(every / 2)),
    );
    // A heartbeat must never keep the process alive on its own.
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private update(stage: IngestionStage, done: number, total: number): ProgressUpdate {
    // Never report a lower percentage than one already sent.
    this.highest = Math.max(this.highest, overallPercent(stage, done, total));
    return {
      progress: this.highest,
      processed_docs: done,
      total_docs: total,
      link_id: this.target.linkId,
      status: 'processing',
      stage,
      attempt: this.target.attempt,
    };
  }

  private enqueue(update: ProgressUpdate): void {
    this.lastSentAt = Date.now();
    this.last = update;
    this.pending = update;
    if (!this.sending) this.sending = this.drain();
  }

  private dropHeld(): void {
    if (!this.releaseHold) return;
    this.pending = null;
    this.releaseHold();
  }

  private hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.releaseHold?.(), ms);
      this.releaseHold = () => {
        clearTimeout(timer);
        this.releaseHold = null;
        resolve();
      };
    });
  }

  private async drain(): Promise<void> {
    if (this.confirming) await this.confirming;
    const holdMs = this.options.holdMs ?? 0;
    // Nothing left to hold once a later report took it over while a confirm was on its way.
    if (holdMs > 0 && this.pending && !this.finished) await this.hold(holdMs);
    while (this.pending) {
      const update = this.pending;
      this.pending = null;
      let delay = 200;
      for (let attempt = 1; attempt <= 3; attempt++) {
        const { outcome, detail, cancel } = await this.client.send(this.target, update);
        if (outcome === 'delivered') this.delivered++;
        if (cancel && !this.cancel) {
          this.cancel = cancel;
          this.options.log('progress.cancelled', { cancel, stage: update.stage });
        }
        if (outcome !== 'unreachable') break;
        this.options.log('progress.retry', { detail, attempt, progress: update.progress });
        if (this.pending) break; // a newer report supersedes this one
        await sleep(delay);
        delay *= 2;
      }
    }
    this.sending = null;
  }
}
