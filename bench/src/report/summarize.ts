import { STAGES, type RunOutcome } from '../runs/run-types';
import type { EmbeddingFixtureStats } from '../fixtures/openai-compatible-embedding.fixture';
import { idealSchedule } from './ideal-schedule';
import { round } from './round';

export type PathName = 'ours' | 'baseline';
export type EmbedderName = 'openai-compatible' | 'local';
export type StageName = (typeof STAGES)[number] | 'other';

export interface RunSummary {
  label: string;
  path: PathName;
  embedder: EmbedderName;
  /** Files in flight at once. */
  concurrency: number;
  /** Local model worker threads (local embedder only). */
  workers?: number;
  files: number;
  failed: number;
  errors: string[];
  bytes: number;
  chunks: number;
  wallS: number;
  chunksPerS: number;
  mbPerS: number;
  /** Milliseconds per stage, summed over files. */
  stageMs: Record<StageName, number>;
  /** Each stage's share of the summed per-file totals (0-1). */
  stageShare: Record<StageName, number>;
  /** Share of per-file time not spent embedding (0-1). */
  nonEmbedShare: number;
  peakRssMb: number | null;
  /** Rows in the path's table after this run. */
  rowsAfter: number;
  embedderCalls?: EmbedderCalls;
  /** CPU milliseconds per file ingested, per process (see RunCpuSeconds); absent where not measured. */
  cpuMsPerFile?: { path: number | null; database: number | null; standIns: number };
}

/**
 * CPU seconds one run used: `path`, the service or the baseline process; `database`, the
 * PGlite server; `standIns`, the benchmark's own process (GCS server, embedding fixture,
 * callback receiver, the client). On two cores their sum over the wall time says how close
 * the run came to using the whole machine. Null off Linux.
 */
export interface RunCpuSeconds {
  path: number | null;
  database: number | null;
  standIns: number;
}

export interface EmbedderCalls extends EmbeddingFixtureStats {
  avgInputsPerRequest: number;
  /** requests in flight × configured inputs per request (batch size) / delay: the most chunks/s the endpoint allows. */
  limitChunksPerS: number;
  /** chunksPerS / limitChunksPerS */
  shareOfLimit: number;
  /** The same limit with the inputs per request actually sent (a small file fills no full batch). */
  limitAtSentBatchesChunksPerS: number;
  shareOfLimitAtSentBatches: number;
  /**
   * One file at a time only: the least wall time the endpoint allows, one round trip (the
   * fixture's delay) per batch of each file, files one after another.
   */
  floorS?: number;
  /** Ours only: the run with no time spent but the embedder's round trips (see idealSchedule). */
  ceiling?: { wallS: number; chunksPerS: number; shareOfLimit: number };
}

export interface SummaryContext {
  label: string;
  path: PathName;
  embedder: EmbedderName;
  concurrency: number;
  workers?: number;
  peakRssMb: number | null;
  rowsAfter: number;
  cpuS?: RunCpuSeconds;
  fixture?: { stats: EmbeddingFixtureStats; maxInFlight: number; inputsPerRequest: number; delayMs: number };
  /** Batches one file keeps out at once (embedAndStore): given, the run's ceiling is worked out. */
  batchesPerFile?: number;
}

/** The run's ceiling (idealSchedule) and its share of `limitChunksPerS`, the endpoint's limit the run is measured against. */
function ceilingOf(
  files: RunOutcome['files'],
  filesInFlight: number,
  fixture: NonNullable<SummaryContext['fixture']>,
  batchesPerFile: number,
  limitChunksPerS: number,
): EmbedderCalls['ceiling'] {
  const { maxInFlight, inputsPerRequest, delayMs } = fixture;
  const ideal = idealSchedule(
    files.map((f) => f.chunks),
    { filesInFlight, batchSize: inputsPerRequest, slots: maxInFlight, roundTripMs: delayMs, batchesPerFile },
  );
  const chunksPerS = ideal.wallMs ? ideal.inputs / (ideal.wallMs / 1000) : 0;
  return { wallS: round(ideal.wallMs / 1000, 2), chunksPerS: round(chunksPerS, 1), shareOfLimit: round(chunksPerS / limitChunksPerS, 3) };
}

export function summarizeRun(outcome: RunOutcome, context: SummaryContext): RunSummary {
  const ok = outcome.files.filter((f) => f.ok);
  const bytes = outcome.files.reduce((sum, f) => sum + f.bytes, 0);
  const chunks = ok.reduce((sum, f) => sum + f.chunks, 0);
  const wallS = outcome.wallMs / 1000;
  const stageMs = Object.fromEntries([...STAGES, 'other'].map((s) => [s, 0])) as Record<StageName, number>;
  let totalMs = 0;
  for (const file of outcome.files) {
    let accounted = 0;
    for (const stage of STAGES) {
      stageMs[stage] += file.timings[stage];
      accounted += file.timings[stage];
    }
    stageMs.other += Math.max(0, file.timings.total - accounted);
    totalMs += file.timings.total;
  }
  const stageShare = Object.fromEntries(Object.entries(stageMs).map(([s, ms]) => [s, totalMs ? round(ms / totalMs, 3) : 0])) as Record<StageName, number>;
  for (const stage of Object.keys(stageMs) as StageName[]) stageMs[stage] = Math.round(stageMs[stage]);
  const chunksPerS = wallS ? chunks / wallS : 0;

  let embedderCalls: EmbedderCalls | undefined;
  if (context.fixture) {
    const { stats, maxInFlight, inputsPerRequest, delayMs } = context.fixture;
    const limitChunksPerS = (maxInFlight * inputsPerRequest) / (delayMs / 1000);
    const sentPerRequest = stats.requests ? stats.inputs / stats.requests : 0;
    const limitAtSent = (maxInFlight * sentPerRequest) / (delayMs / 1000);
    embedderCalls = {
      ...stats,
      avgInputsPerRequest: round(sentPerRequest, 1),
      limitChunksPerS: round(limitChunksPerS, 1),
      shareOfLimit: round(chunksPerS / limitChunksPerS, 3),
      limitAtSentBatchesChunksPerS: round(limitAtSent, 1),
      shareOfLimitAtSentBatches: limitAtSent ? round(chunksPerS / limitAtSent, 3) : 0,
      floorS: context.concurrency === 1 ? round(ok.reduce((sum, f) => sum + Math.ceil(f.chunks / inputsPerRequest), 0) * (delayMs / 1000), 2) : undefined,
      ceiling: context.batchesPerFile ? ceilingOf(ok, context.concurrency, context.fixture, context.batchesPerFile, limitChunksPerS) : undefined,
    };
  }
  return {
    label: context.label,
    path: context.path,
    embedder: context.embedder,
    concurrency: context.concurrency,
    workers: context.workers,
    files: outcome.files.length,
    failed: outcome.files.length - ok.length,
    errors: outcome.files
      .filter((f) => !f.ok)
      .slice(0, 3)
      .map((f) => `${f.key}: ${f.error}`),
    bytes,
    chunks,
    wallS: round(wallS, 2),
    chunksPerS: round(chunksPerS, 1),
    mbPerS: round(bytes / 1024 / 1024 / wallS, 3),
    stageMs,
    stageShare,
    nonEmbedShare: totalMs ? round(1 - stageMs.embed / totalMs, 3) : 0,
    peakRssMb: context.peakRssMb,
    rowsAfter: context.rowsAfter,
    embedderCalls,
    cpuMsPerFile: context.cpuS && outcome.files.length ? perFile(context.cpuS, outcome.files.length) : undefined,
  };
}

function perFile(cpuS: RunCpuSeconds, files: number): NonNullable<RunSummary['cpuMsPerFile']> {
  const ms = (seconds: number | null) => (seconds === null ? null : round((seconds * 1000) / files, 1));
  return { path: ms(cpuS.path), database: ms(cpuS.database), standIns: ms(cpuS.standIns) as number };
}
