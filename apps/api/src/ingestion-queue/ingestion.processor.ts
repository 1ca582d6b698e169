import { InjectQueue, OnQueueFailed, Process, Processor } from '@nestjs/bull';
import { Inject, type OnModuleDestroy } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import {
  formatTraceparent,
  INGEST_FILE_DEFAULTS,
  isTraceId,
  TRACEPARENT_HEADER,
  type ErrorBody,
  type IngestFileRequest,
  type IngestFileResponse,
} from '@docingest/contracts';
import type { Logger as Pino } from 'pino';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { IngestionServiceClient } from '../ingestion-service/ingestion-service.client';
import { KnowledgeBasesService } from '../knowledge-bases/knowledge-bases.service';
import { LinksRepository } from '../ingestions/links.repository';
import { IngestionLog, type AttemptRef } from '../logging/ingestion-log';
import { classifyAnswer, classifyError, retryDelayMs, type DispatchOutcome } from './dispatch-outcome';
import { unchangedSince } from '../ingestions/unchanged-since';
import { INGEST_JOB_OPTIONS, INGEST_SINGLE_FILE_JOB, INGESTION_QUEUE, SWEEP_STALE_JOB, ingestJobId, type IngestSingleFileJob } from './ingestion-job';
import { PendingDispatches } from './pending-dispatches';

/**
 * The Bull task of the original system: mark the link processing, POST /ingest-file, and end
 * without waiting for the answer. Two things bound it: at most MAX_IN_FLIGHT_DISPATCHES requests
 * are open at once (a job waits for a slot before its link becomes processing), and a request the
 * service never took (overloaded, unreachable, cut before it began) sends its link back to
 * `pending` and is queued again with backoff until DISPATCH_RETRY_DEADLINE_MS. The answer keeps
 * its handlers, so whatever the service does ends up recorded on the link.
 */
@Processor(INGESTION_QUEUE)
export class IngestionProcessor implements OnModuleDestroy {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @InjectQueue(INGESTION_QUEUE) private readonly queue: Queue,
    private readonly links: LinksRepository,
    private readonly knowledgeBases: KnowledgeBasesService,
    private readonly ingestionService: IngestionServiceClient,
    private readonly pending: PendingDispatches,
    private readonly ingestionLog: IngestionLog,
  ) {}

  /** Every line about an attempt goes through its logger, under its trace (docs/wire-contract.md#trace). */
  private log(ref: AttemptRef): Pino {
    return this.ingestionLog.for('ingestion', ref);
  }

  @Process(INGEST_SINGLE_FILE_JOB)
  async ingestSingleFileViaHttp(job: Job<IngestSingleFileJob>): Promise<{ dispatched: boolean }> {
    const { linkId, attempt, retry = 0 } = job.data;
    // The link and its file in one read: a link always has its file (foreign key).
    const link = await this.links.findForDispatch(linkId);
    // The job's trace; a job queued before traces were kept takes the link's.
    const traceId = isTraceId(job.data.traceId) ? job.data.traceId : link?.attempt === attempt ? link.trace_id : undefined;
    const kb = link && (await this.knowledgeBases.find(link.knowledgebase_id));
    if (!link || !kb) {
      // Nothing to ingest any more: retrying cannot help.
      await job.discard();
      this.log({ linkId, attempt, fileUuid: link?.file_uuid, traceId }).info({ event: 'dispatch.skipped', reason: 'link, file or knowledge base is gone' });
      return { dispatched: false };
    }
    const ref: AttemptRef = { linkId, attempt, fileUuid: link.file_uuid, traceId };
    const body: IngestFileRequest = {
      file_path: link.storage_path,
      vector_table_name: kb.vector_table_name,
      file_uuid: link.file_uuid,
      link_id: linkId,
      embedding_provider: kb.embedding_provider,
      embedding_model: kb.embedding_model,
      embedding_dimensions: kb.embedding_dimensions,
      chunk_size: kb.chunk_size,
      chunk_overlap: kb.chunk_overlap,
      ...INGEST_FILE_DEFAULTS,
      user_uuid: link.user_uuid,
      team_id: link.team_id,
      knowledgebase_id: kb.knowledgebase_id,
      project_id: link.project_id,
      custom_metadata: null,
      attempt,
      text_search_language: kb.text_search_language,
      skip_if_unchanged: unchangedSince(link, kb),
    };
    // Anything that throws up to here leaves the link pending and Bull retries the job with backoff.
    const headers = await this.ingestionService.dispatchHeaders();
    // The attempt's trace rides on the request (docs/wire-contract.md#trace), from a span of this dispatch.
    if (traceId) headers[TRACEPARENT_HEADER] = formatTraceparent(traceId);
    // Waits while MAX_IN_FLIGHT_DISPATCHES requests are open: this job stays active, the ones
    // behind it stay queued, and every one of their links stays `pending`.
    const release = await this.pending.acquire();
    let started;
    try {
      started = await this.links.startProcessing(linkId, attempt);
    } catch (error) {
      release();
      throw error;
    }
    if (!started) {
      release();
      this.log(ref).info({ event: 'dispatch.skipped', retry, reason: `attempt is not pending (status ${link.ingestion_status}, current attempt ${link.attempt})` });
      return { dispatched: false };
    }
    // Deliberately not awaited: the job ends now, the answer is handled whenever it comes.
    const url = this.config.INGESTION_SERVICE_URL;
    const outcome = this.ingestionService
      .dispatch(body, headers)
      .then(
        async (response) => this.settle(ref, classifyAnswer(response, Boolean((await this.links.find(linkId))?.accepted_at))),
        (error) => this.settle(ref, classifyError(error, url)),
      )
      // Nobody awaits this promise: a rejection (the database gone while recording) would end the
      // process. The link stays open; the service's final callback or the sweeper ends it.
      .catch((error) => this.log(ref).error({ event: 'dispatch.unrecorded', message: (error as Error).message }));
    this.pending.track(ref, outcome, release);
    this.log(ref).info({ event: 'dispatch.sent', retry, in_flight: this.pending.size });
    return { dispatched: true };
  }

  private async settle(ref: AttemptRef, outcome: DispatchOutcome): Promise<void> {
    const { linkId, attempt } = ref;
    if (outcome.kind === 'answer') return this.recordAnswer(ref, outcome.status, outcome.data);
    if (outcome.kind === 'timed_out') {
      if (!(await this.links.failUnaccepted(linkId, attempt, outcome.reason))) {
        this.log(ref).info({ event: 'dispatch.timed_out_after_acceptance', reason: outcome.reason });
      } else this.log(ref).warn({ event: 'dispatch.failed', message: outcome.reason, recorded_by_answer: true });
      return;
    }
    const retried = await this.links.retryUnaccepted(linkId, attempt, outcome.reason, this.config.DISPATCH_RETRY_DEADLINE_MS);
    if ('retry' in retried) {
      const asked = outcome.kind === 'overloaded' ? outcome.retryAfterMs : undefined;
      const delay = retryDelayMs(retried.retry, this.config.DISPATCH_RETRY_BASE_MS, this.config.DISPATCH_RETRY_MAX_MS, asked);
      // A re-send is the same attempt: it keeps the trace.
      const job = { linkId, attempt, retry: retried.retry, ...(ref.traceId ? { traceId: ref.traceId } : {}) };
      await this.queue.add(INGEST_SINGLE_FILE_JOB, job, { ...INGEST_JOB_OPTIONS, jobId: ingestJobId(job), delay });
      this.log(ref).info({ event: 'dispatch.retry_scheduled', retry: retried.retry, delay_ms: delay, reason: outcome.reason });
      return;
    }
    if (retried.notRetried === 'accepted') {
      // The service took the request (a callback of this attempt arrived): the connection's fate
      // says nothing about the ingestion's. Its final callback, or the sweeper, decides.
      this.log(ref).info({ event: 'dispatch.connection_lost_after_acceptance', reason: outcome.reason });
      return;
    }
    if (retried.notRetried === 'deadline') {
      const link = await this.links.find(linkId);
      const tries = (link?.dispatch_retries ?? 0) + 1;
      await this.recordFailure(
        ref,
        `${outcome.reason}; gave up after ${tries} tries over ${Math.round(this.config.DISPATCH_RETRY_DEADLINE_MS / 1000)} s (DISPATCH_RETRY_DEADLINE_MS)`,
        { unacceptedOnly: true },
      );
    }
  }

  /**
   * The service's answer, a fallback for its final callback (docs/wire-contract.md#ingest-file):
   * read as that callback would have said it and applied the same way, so it ends an attempt only
   * when no final callback has, and never contradicts one that did.
   */
  private async recordAnswer(ref: AttemptRef, status: number, data: IngestFileResponse | ErrorBody): Promise<void> {
    const { linkId, attempt } = ref;
    const answer = data as IngestFileResponse;
    const completed = status === 200 && answer.status === 'completed';
    // An ErrorBody says why in `message`; a 200 with status failed (allowed by the contract) says it in `error`.
    const said = data && typeof data === 'object' ? ((data as ErrorBody).message ?? answer.error) : undefined;
    const message =
      typeof said === 'string' && said ? said : `the ingestion service answered HTTP ${status}${status < 300 ? ' without reporting a completed ingestion' : ''}`;
    const outcome = await this.links.applyProgress(ref.fileUuid ?? '', {
      link_id: linkId,
      attempt,
      ...(completed
        ? {
            status: 'completed',
            progress: 100,
            processed_docs: answer.chunks,
            total_docs: answer.chunks,
            chunks: answer.chunks,
            pages: answer.pages,
            pages_skipped: answer.pages_skipped,
            object: answer.object,
            skipped: answer.skipped,
            chunks_embedded: answer.chunks_embedded,
            chunks_reused: answer.chunks_reused,
            embedding_tokens: answer.embedding_tokens,
          }
        : { status: 'failed', progress: 0, processed_docs: 0, total_docs: 0, error: message.slice(0, 4000) }),
    });
    const fields = { status, recorded_by_answer: outcome.applied };
    if (completed) this.log(ref).info({ event: 'dispatch.answered', ...fields });
    else this.log(ref).warn({ event: 'dispatch.failed', ...fields, message });
  }

  /** A failure the api inferred (never accepted, retries or deadline exhausted): ends the attempt unless the service already did. */
  private async recordFailure(ref: AttemptRef, message: string, options: { unacceptedOnly?: boolean } = {}): Promise<void> {
    const { linkId, attempt } = ref;
    const recorded = options.unacceptedOnly ? await this.links.failUnaccepted(linkId, attempt, message) : await this.links.failAttempt(linkId, attempt, message);
    this.log(ref).warn({ event: 'dispatch.failed', message, recorded_by_answer: recorded });
  }

  /** Retries before the dispatch are exhausted: the attempt can never start, so say why. */
  @OnQueueFailed()
  async onJobFailed(job: Job, error: Error): Promise<void> {
    if (job.name !== INGEST_SINGLE_FILE_JOB || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    const { linkId, attempt, traceId } = job.data as IngestSingleFileJob;
    await this.recordFailure({ linkId, attempt, traceId }, `could not dispatch to the ingestion service after ${job.attemptsMade} tries: ${error.message}`).catch(
      () => undefined,
    );
  }

  @Process(SWEEP_STALE_JOB)
  async sweepStale(): Promise<{ failed: number[] }> {
    const failed: number[] = [];
    // One line per link, under its attempt's trace, so each story shows how it ended.
    const sweepLog = (link: { id: number; attempt: number; file_uuid: string; trace_id: string | null }) =>
      this.ingestionLog.for('sweeper', { linkId: link.id, attempt: link.attempt, fileUuid: link.file_uuid, traceId: link.trace_id });
    for (const link of await this.links.failStale(this.config.STALE_AFTER_MS)) {
      failed.push(link.id);
      sweepLog(link).warn({ event: 'sweeper.failed_stale', reason: 'no progress reported' });
    }
    // A pending attempt whose job is gone (Redis flushed, enqueue lost) would otherwise wait forever.
    for (const link of await this.links.pendingSince(this.config.STALE_AFTER_MS)) {
      const job = await this.queue.getJob(ingestJobId({ linkId: link.id, attempt: link.attempt, retry: link.dispatch_retries }));
      if (job && (await job.getState()) !== 'failed') continue;
      const reason = job ? `its job failed: ${job.failedReason}` : 'its job is no longer in the queue';
      if (await this.links.failAttempt(link.id, link.attempt, `queued but never started: ${reason}; re-ingest the file`)) {
        failed.push(link.id);
        sweepLog(link).warn({ event: 'sweeper.failed_stale', reason: `queued but never started: ${reason}` });
      }
    }
    return { failed };
  }

  /** Stop taking jobs before the queue closes; jobs in flight finish. */
  async onModuleDestroy(): Promise<void> {
    await this.queue.pause(true, true).catch(() => undefined);
  }
}
