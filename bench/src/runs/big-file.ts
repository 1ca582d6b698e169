import type { Pool } from 'pg';
import { vectorTable } from '@docingest/vector-store';
import type { IngestionServiceProcess } from '../stack/ingestion-service.process';
import { processCpuSeconds } from '../stack/process-memory';
import { benchIngestRequest } from './bench-ingest-request';
import type { StageTimes } from './run-types';
import { round } from '../report/round';

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
  /** Why the database sets the pace (null off Linux, or when the file failed): see databaseFloor. */
  database: DatabaseFloor | null;
}

/**
 * PGlite is one Postgres backend on one thread: its CPU seconds for the file are a floor under the
 * wall time that no overlap with the service can lower. Beside them, the one part of that work
 * measured alone after the request: parsing the chunks' text into the full-text value
 * (`to_tsvector`), which every stored chunk needs before the file is reported completed.
 */
export interface DatabaseFloor {
  /** The database's CPU seconds during the request over its wall seconds. */
  busyShare: number;
  /** Database CPU milliseconds per chunk for `to_tsvector` of stored chunks, on a sample of them. */
  fullTextMsPerChunk: number;
  sampleChunks: number;
  /** fullTextMsPerChunk × the file's chunks, in seconds. */
  fullTextS: number;
}

const FULL_TEXT_SAMPLE = 2_000;

/** One large text file through `/ingest-file`, with the service's peak memory over that request alone. */
export async function ingestBigFile(
  service: IngestionServiceProcess,
  request: { filePath: string; fileUuid: string; bytes: number; table: string; model: string; batchSize: number },
  database: { pid: number; pool: Pool },
): Promise<BigFileMeasure> {
  const databasePid = database.pid;
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
  const used = (before: number | null, after: number | null) => (before === null || after === null ? null : round(after - before, 1));
  const cpuS = { service: used(cpuBefore.service, processCpuSeconds(service.pid)), database: used(cpuBefore.database, processCpuSeconds(databasePid)) };
  const ok = status === 200 && body.status === 'completed';
  const chunks = ok ? Number(body.chunks) : 0;
  const floor =
    ok && cpuS.database !== null ? { busyShare: round(cpuS.database / seconds), ...(await fullTextCost(database, request.table, request.fileUuid, chunks)) } : null;
  return {
    bytes: request.bytes,
    batchSize: request.batchSize,
    ok,
    error: ok ? undefined : `HTTP ${status}: ${String(body.message ?? body.error ?? '')}`,
    chunks,
    seconds: round(seconds),
    mbPerS: round(request.bytes / 1024 / 1024 / seconds, 3),
    chunksPerS: round(chunks / seconds, 1),
    timings: (body.timings_ms as StageTimes | undefined) ?? null,
    peakRssMb: service.memory.read()?.peakMb ?? null,
    rssBeforeMb: before?.rssMb ?? null,
    cpuS,
    database: floor && floor.fullTextMsPerChunk !== null ? (floor as DatabaseFloor) : null,
  };
}

/** The database's CPU for `to_tsvector` (the table's configuration, english) of a sample of the file's stored chunks, alone. */
async function fullTextCost(
  database: { pid: number; pool: Pool },
  table: string,
  fileUuid: string,
  chunks: number,
): Promise<{ fullTextMsPerChunk: number | null; sampleChunks: number; fullTextS: number | null }> {
  const { rows } = await database.pool.query<{ text: string }>(
    `SELECT text FROM ${vectorTable(table).qualified} WHERE metadata_->>'file_uuid' = $1 ORDER BY id LIMIT ${FULL_TEXT_SAMPLE}`,
    [fileUuid],
  );
  const texts = rows.map((row) => row.text);
  const cpuOf = async (expression: string) => {
    const before = processCpuSeconds(database.pid);
    await database.pool.query(`SELECT sum(${expression}) FROM unnest($1::text[]) AS t`, [texts]);
    const after = processCpuSeconds(database.pid);
    return before === null || after === null ? null : after - before;
  };
  // The same texts read without parsing them: what the query costs besides to_tsvector.
  const reading = await cpuOf('length(t)');
  const parsing = await cpuOf("length(to_tsvector('english'::regconfig, t))");
  if (reading === null || parsing === null || texts.length === 0) return { fullTextMsPerChunk: null, sampleChunks: texts.length, fullTextS: null };
  const msPerChunk = (Math.max(0, parsing - reading) * 1000) / texts.length;
  return { fullTextMsPerChunk: round(msPerChunk, 3), sampleChunks: texts.length, fullTextS: Math.round((msPerChunk * chunks) / 100) / 10 };
}
