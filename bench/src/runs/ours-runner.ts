import type { IngestionServiceProcess } from '../stack/ingestion-service.process';
import { benchIngestRequest } from './bench-ingest-request';
import { emptyTimes, mapWithConcurrency, type ChunkSettings, type FileOutcome, type IngestJob, type RunOutcome, type StageTimes } from './run-types';

export interface OursRunSettings extends ChunkSettings {
  table: string;
  provider: 'local' | 'openai';
  model: string;
  /** Texts per embedding request (the request's batch_size). */
  batchSize: number;
  concurrency: number;
}

/** The corpus through `POST /ingest-file` of the running service: real HTTP, one request per file. */
export async function runOurs(service: IngestionServiceProcess, jobs: readonly IngestJob[], settings: OursRunSettings): Promise<RunOutcome> {
  const started = performance.now();
  const files = await mapWithConcurrency(jobs, settings.concurrency, (job, index) => ingestOne(service, job, index, settings));
  return { files, wallMs: performance.now() - started };
}

async function ingestOne(service: IngestionServiceProcess, job: IngestJob, index: number, settings: OursRunSettings): Promise<FileOutcome> {
  const started = performance.now();
  const { status, body } = await service.call(
    '/ingest-file',
    benchIngestRequest({
      file_path: job.filePath,
      vector_table_name: settings.table,
      file_uuid: job.fileUuid,
      link_id: index + 1,
      embedding_provider: settings.provider,
      embedding_model: settings.model,
      chunk_size: settings.chunkSize,
      chunk_overlap: settings.chunkOverlap,
      batch_size: settings.batchSize,
    }),
  );
  const wallMs = performance.now() - started;
  const timings = (body.timings_ms as StageTimes | undefined) ?? emptyTimes();
  if (status !== 200 || body.status !== 'completed') {
    return { key: job.key, bytes: job.bytes, chunks: 0, ok: false, error: `HTTP ${status}: ${String(body.message ?? body.error ?? '')}`, wallMs, timings };
  }
  return { key: job.key, bytes: job.bytes, chunks: Number(body.chunks), ok: true, wallMs, timings };
}
