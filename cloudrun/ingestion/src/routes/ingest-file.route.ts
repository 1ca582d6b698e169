import type { FastifyInstance } from 'fastify';
import { traceFromHeaders, traceLogFields } from '@docingest/cloud-logging';
import {
  chunkOverlapProblem,
  formatTraceparent,
  newTraceId,
  INGEST_FILE_DEFAULTS,
  IngestFileRequestSchema,
  IngestFileResponseSchema,
  type IngestFileRequest,
} from '@docingest/contracts';
import type { IngestionConfig } from '../config';
import { IngestionError, errorBody } from '../errors';
import type { InflightIngestions } from '../inflight';
import { ingestFile, IngestionFailure, type PipelineDeps } from '../pipeline/ingest-file.pipeline';
import type { CallbackClient } from '../progress/callback-client';
import { ProgressReporter, type ProgressTarget } from '../progress/progress-reporter';

interface IngestRouteDeps extends Omit<PipelineDeps, 'resolve' | 'maxFileBytes'> {
  config: IngestionConfig;
  callbacks: CallbackClient;
  inflight: InflightIngestions;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who to report to, read from a body that may have failed validation. */
function targetOf(body: unknown): ProgressTarget | null {
  const raw = (body ?? {}) as Record<string, unknown>;
  if (typeof raw.file_uuid !== 'string' || !UUID.test(raw.file_uuid)) return null;
  const linkId = Number.isInteger(raw.link_id) ? (raw.link_id as number) : null;
  const attempt = Number.isInteger(raw.attempt) ? (raw.attempt as number) : null;
  return { fileUuid: raw.file_uuid, linkId, attempt };
}

/** `POST /ingest-file`: the whole pipeline inside the request; the answer is the outcome. */
export function registerIngestFileRoute(app: FastifyInstance, deps: IngestRouteDeps): void {
  const { config } = deps;
  const pipeline: PipelineDeps = {
    ...deps,
    resolve: { defaultBucket: config.GCS_BUCKET || undefined, allowedBuckets: config.GCS_ALLOWED_BUCKETS },
    maxFileBytes: config.MAX_FILE_BYTES,
  };

  app.post<{ Body: IngestFileRequest }>(
    '/ingest-file',
    {
      attachValidation: true,
      schema: {
        description: 'Downloads, parses, chunks, embeds and stores one file, reporting progress to the api.',
        body: IngestFileRequestSchema,
        response: { 200: IngestFileResponseSchema },
      },
    },
    async (request, reply) => {
      const target = targetOf(request.body);
      // One trace per ingestion (docs/wire-contract.md#trace): the api's, which request.log already
      // carries, or one of its own for a caller that sent none. Callbacks go out under it.
      const callerTrace = traceFromHeaders(request.headers);
      const trace = callerTrace ?? { traceId: newTraceId() };
      const ownTrace = callerTrace ? {} : traceLogFields(trace, config.GOOGLE_CLOUD_PROJECT || undefined);
      const log = request.log.child({ file_uuid: target?.fileUuid, link_id: target?.linkId, ...ownTrace });
      // The request's own line (onResponse, on failure or with REQUEST_LOGS) joins the story too.
      request.log = log;
      const traceparent = formatTraceparent(trace.traceId, undefined, trace.sampled ?? true);
      const reporter = (t: ProgressTarget) =>
        new ProgressReporter(
          deps.callbacks,
          { ...t, traceparent },
          {
            everyChunks: (request.body as Partial<IngestFileRequest>)?.progress_update_frequency ?? INGEST_FILE_DEFAULTS.progress_update_frequency,
            minIntervalMs: config.PROGRESS_MIN_INTERVAL_MS,
            finalRetryMs: config.CALLBACK_FINAL_RETRY_MS,
            heartbeatMs: config.HEARTBEAT_INTERVAL_MS,
            holdMs: config.PROGRESS_HOLD_MS,
            log: (event, fields) => log.info({ event, ...fields }),
          },
        );

      // Refused before the pipeline starts: still answered, and reported as failed, except a
      // refusal that is about this service, not the file (shutting down): the api sends it again.
      const refuse = async (error: IngestionError, report = true) => {
        log.warn({ event: 'ingest.refused', code: error.code, message: error.message });
        if (target && report) await reporter(target).finish({ status: 'failed', error: error.message });
        return reply.code(error.statusCode).send({ ...errorBody(error), status: 'failed' });
      };
      if (request.validationError) {
        const field = (request.validationError as { validation?: Array<{ field: string }> }).validation?.[0]?.field;
        return refuse(new IngestionError(undefined, 400, 'invalid_request', request.validationError.message, { field }));
      }
      const body = request.body;
      const overlapProblem = chunkOverlapProblem(body.chunk_size, body.chunk_overlap);
      if (overlapProblem) {
        return refuse(new IngestionError('chunking', 400, 'invalid_chunk_settings', overlapProblem, { field: 'chunk_overlap' }));
      }
      if (deps.inflight.isDraining) {
        return refuse(new IngestionError(undefined, 503, 'shutting_down', 'the ingestion service is shutting down; retry the ingestion'), false);
      }

      const controller = deps.inflight.start();
      log.info({ event: 'ingest.started', file_path: body.file_path, knowledgebase_id: body.knowledgebase_id, attempt: body.attempt });
      try {
        const result = await ingestFile(body, pipeline, {
          reporter: reporter(targetOf(body)!),
          signal: controller.signal,
          log: (event, fields) => log.info({ event, ...fields }),
        });
        log.info({ event: 'ingest.completed', chunks: result.chunks, pages: result.pages, timings_ms: result.timings_ms });
        return result;
      } catch (error) {
        if (!(error instanceof IngestionFailure)) throw error;
        const level = error.error.statusCode >= 500 ? 'error' : 'warn';
        log[level]({ event: 'ingest.failed', stage: error.response.stage, code: error.error.code, message: error.message, cause: String(error.error.cause ?? '') });
        return reply.code(error.error.statusCode).send({ ...error.response, ...errorBody(error.error), status: 'failed' });
      } finally {
        deps.inflight.end(controller);
      }
    },
  );
}
