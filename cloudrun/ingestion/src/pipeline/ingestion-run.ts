import type { AttemptWork, IngestFileRequest, IngestFileResponse, IngestionStage } from '@docingest/contracts';
import { IngestionError, toIngestionError } from '../errors';
import type { ProgressReporter } from '../progress/progress-reporter';
import { StageTimer } from './stage-timer';

export const CANCELLED = {
  removed: 'cancelled: the file was removed from the knowledge base',
  superseded: 'cancelled: a newer attempt of this file started',
} as const;

const INTERRUPTED = 'interrupted: the ingestion service shut down before the file was stored';

/** A failed ingestion: the error, and what the response reports alongside it. */
export class IngestionFailure extends Error {
  constructor(
    readonly error: IngestionError,
    readonly response: IngestFileResponse,
  ) {
    super(error.message);
    this.name = 'IngestionFailure';
  }
}

/** What runs beside one ingestion: its progress reports, the shutdown signal, its log. */
export interface RunContext {
  reporter: ProgressReporter;
  signal: AbortSignal;
  log?: (event: string, fields: Record<string, unknown>) => void;
}

type Outcome = Pick<IngestFileResponse, 'status' | 'chunks' | 'stage' | 'error'>;

/**
 * What the stages of one ingestion share: the stage it is in (an error that names none is
 * blamed on it), the pages counted, the timings, the check that the file is still wanted, and
 * what must be undone if it fails. Each stage starts with `enter`, so cancellation and shutdown
 * are noticed at every boundary.
 */
export class IngestionRun {
  readonly timer = new StageTimer();
  private current: IngestionStage = 'downloading';
  private pages = 0;
  private pagesSkipped = 0;
  private readonly undo: Array<() => Promise<void>> = [];
  private readonly work: AttemptWork = {};

  readonly reporter: ProgressReporter;
  readonly signal: AbortSignal;
  /** A structured log line (an `event` and its fields) on the request's logger. */
  readonly log: NonNullable<RunContext['log']>;

  constructor(
    readonly request: IngestFileRequest,
    context: RunContext,
  ) {
    this.reporter = context.reporter;
    this.signal = context.signal;
    this.log = context.log ?? (() => undefined);
  }

  get stage(): IngestionStage {
    return this.current;
  }

  /** A stage boundary: stops a run no longer wanted, then moves on (reported unless `quiet`). */
  enter(stage: IngestionStage, options: { quiet?: boolean; totalChunks?: number } = {}): void {
    this.checkAborted();
    this.current = stage;
    if (!options.quiet) this.reporter.stage(stage, options.totalChunks);
  }

  /** Throws when the service is shutting down or the api no longer wants this attempt. */
  readonly checkAborted = (): void => {
    if (this.signal.aborted) throw new IngestionError(this.current, 503, 'interrupted', INTERRUPTED);
    if (this.reporter.cancelled) throw new IngestionError(this.current, 409, 'cancelled', CANCELLED[this.reporter.cancelled]);
  };

  countPages(document: { pageCount: number; pagesSkipped: number }): void {
    this.pages = document.pageCount;
    this.pagesSkipped = document.pagesSkipped;
  }

  /** What the attempt did beside storing (docs/wire-contract.md#re-ingestion): reported with its completion. */
  recordWork(work: AttemptWork): void {
    Object.assign(this.work, work);
  }

  /** Work to undo if the run fails from here on (staged rows to remove). */
  onFailure(undo: () => Promise<void>): void {
    this.undo.push(undo);
  }

  response(outcome: Outcome): IngestFileResponse {
    return {
      file_uuid: this.request.file_uuid,
      link_id: this.request.link_id,
      pages: this.pages,
      pages_skipped: this.pagesSkipped,
      timings_ms: this.timer.snapshot(),
      ...(outcome.status === 'completed' ? this.work : {}),
      ...outcome,
    };
  }

  /** The final report of a run that got to the end: the api's answer may still cancel it. */
  async finish(chunks: number) {
    const cancel = await this.reporter.finish({ status: 'completed', chunks, pages: this.pages, pages_skipped: this.pagesSkipped, work: this.work });
    this.timer.add('callbacks', this.reporter.blockingMs);
    return cancel;
  }

  /** The one error path: undoes, reports the failure as final, and gives what the route answers. */
  async fail(caught: unknown): Promise<IngestionFailure> {
    for (const undo of this.undo) await undo().catch(() => undefined);
    // An abort is the service shutting down, whatever stage noticed it first.
    const error =
      this.signal.aborted && !(caught instanceof IngestionError && caught.code === 'interrupted')
        ? new IngestionError(this.current, 503, 'interrupted', INTERRUPTED, { cause: caught })
        : toIngestionError(caught, this.current);
    const stage = error.stage ?? this.current;
    await this.reporter.finish({ status: 'failed', error: error.message, stage });
    this.timer.add('callbacks', this.reporter.blockingMs);
    return new IngestionFailure(error, this.response({ status: 'failed', chunks: 0, stage, error: error.message }));
  }
}
