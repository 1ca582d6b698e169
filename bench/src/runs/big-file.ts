import type { IngestionServiceProcess } from '../stack/ingestion-service.process';
import { processCpuSeconds } from '../stack/process-memory';
import { benchIngestRequest } from './bench-ingest-request';
import type { StageTimes } from './run-types';

export interface BigFileMeasure {
  bytes: number;
  batchSize: number;
  ok: boolean;
  error?: string;
  chunks: number;
  seconds: number;
  mbPerS: number;
  chunksPerS: number;
  timings: StageTimes | null;
  /** The service's peak resident memory during this one ingestion. */
  peakRssMb: number | null;
  /** Its resident memory before the request, for scale. */
  rssBeforeMb: number | null;
  /** CPU seconds used during the request by the service and by the database server (PGlite). */
  cpuS: { service: number | null; database: number | null };
}

/** One large text file through `/ingest-file`, with the service's peak memory over that request alone. */
export async function ingestBigFile(
  service: IngestionServiceProcess,
  request: { filePath: string; fileUuid: string; bytes: number; table: string; model: string; batchSize: number },
  databasePid: number,
): Promise<BigFileMeasure> {
  const before = service.memory.read();
  const cpuBefore = { service: processCpuSeconds(service.pid), database: processCpuSeconds(databasePid) };
  service.memory.resetPeak();
  const started = performance.now();
  const { status, body } = await service.call(
    '/ingest-file',
    benchIngestRequest({
      file_path: request.filePath,
      vector_table_name: request.table,
      file_uuid: request.fileUuid,
      embedding_model: request.model,
      batch_size: request.batchSize,
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = (before: number | null, after: number | null) => (before === null || after === null ? null : Math.round((after - before) * 10) / 10);
  const cpuS = { service: used(cpuBefore.service, processCpuSeconds(service.pid)), database: used(cpuBefore.database, processCpuSeconds(databasePid)) };
  const ok = status === 200 && body.status === 'completed';
  const chunks = ok ? Number(body.chunks) : 0;
  return {
    bytes: request.bytes,
    batchSize: request.batchSize,
    ok,
    error: ok ? undefined : `HTTP ${status}: ${String(body.message ?? body.error ?? '')}`,
    chunks,
    seconds: Math.round(seconds * 100) / 100,
    mbPerS: Math.round((request.bytes / 1024 / 1024 / seconds) * 1000) / 1000,
    chunksPerS: Math.round((chunks / seconds) * 10) / 10,
    timings: (body.timings_ms as StageTimes | undefined) ?? null,
    peakRssMb: service.memory.read()?.peakMb ?? null,
    rssBeforeMb: before?.rssMb ?? null,
    cpuS,
  };
}
