import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { BaselineProcess } from './baseline/baseline.process';
import type { BaselineConfig } from './baseline/baseline-protocol';
import { REMOTE_MODEL, type BenchOptions } from './bench-options';
import { generateCorpus, largeTextFile, markdownText, type CorpusFile } from './corpus/corpus-generator';
import { SeededRandom } from './corpus/seeded-random';
import { latencyTarget } from './latency/latency-report';
import { measureLatency, type LatencyMeasure } from './latency/latency-run';
import { benchSettings, loadAverage, PartLog, resultStem } from './report/part-log';
import { checkTargets, type TargetCheck } from './report/targets';
import { summarizeRun, type EmbedderName, type RunCpuSeconds, type RunSummary } from './report/summarize';
import { ingestBigFile, type BigFileMeasure } from './runs/big-file';
import { measureChunking, type ChunkingMeasure } from './runs/chunking-alone';
import { measureFullTextValues, type FullTextMeasure } from './runs/full-text-values';
import { fileUuidFor } from './runs/file-uuid';
import { runOurs } from './runs/ours-runner';
import type { IngestJob, RunOutcome } from './runs/run-types';
import { measureReingestReuse, type ReuseMeasure } from './runs/reingest-reuse';
import type { IndexedSearchRun } from './runs/indexed-search';
import { measureModelVectorSearch } from './runs/model-vector-search';
import { measureSearchRecall, type RecallRun } from './runs/search-recall';
import { measureStorage, type SearchMeasure, type StagedSwapMeasure, type StorageMeasure } from './runs/storage-alone';
import { BenchStack, FIXTURE_API_KEY } from './stack/bench-stack';
import type { IngestionServiceProcess } from './stack/ingestion-service.process';
import { processCpuSeconds } from './stack/process-memory';

/** What each part of the benchmark measures; a part not run leaves its empty value. */
export interface BenchParts {
  chunking: ChunkingMeasure | null;
  runs: RunSummary[];
  storage: StorageMeasure[];
  search: SearchMeasure[];
  /** Indexed against exact search per hnsw.ef_search on the local model's vectors (the random vectors' are in `search`). */
  modelSearch: IndexedSearchRun[];
  /** A large file's staging and swap, alone. */
  staged: StagedSwapMeasure | null;
  fullText: FullTextMeasure[];
  /** Recall@5 of each search mode (vector, text, hybrid) on questions with known answer chunks. */
  recall: RecallRun | null;
  bigFile: BigFileMeasure | null;
  /** A one-page PDF from upload to completed on the whole local stack, split by where the time goes. */
  latency: LatencyMeasure | null;
  /** Re-ingesting a long PDF with one page edited: chunks embedded vs reused, time and tokens, beside a full re-ingestion. */
  reuse: ReuseMeasure | null;
}

/** The one list of the parts and their values before (or without) a run. */
const emptyParts = (): BenchParts => ({
  chunking: null,
  runs: [],
  storage: [],
  search: [],
  modelSearch: [],
  staged: null,
  fullText: [],
  recall: null,
  bigFile: null,
  latency: null,
  reuse: null,
});

export interface BenchResult extends BenchParts {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; loadBefore: number; loadAfter: number };
  options: Omit<BenchOptions, 'log' | 'resultsDir'>;
  corpus: { files: number; bytes: number; byGroup: Record<string, { files: number; bytes: number }>; localFiles: number; localBytes: number };
  targets: TargetCheck[];
  resultFile: string | null;
  /** The JSON-lines file each part's figures were appended to as it finished. */
  partsFile: string | null;
}

const LOCAL_MODEL = 'universal-sentence-encoder-lite';
const TABLES = {
  ours: { 'openai-compatible': 'bench_openai', local: 'bench_local' },
  baseline: { 'openai-compatible': 'baseline_openai', local: 'baseline_local' },
} as const;
const DIMENSIONS: Record<EmbedderName, number> = { 'openai-compatible': 1536, local: 512 };

/**
 * The whole benchmark: one stack, one corpus, both paths, both embedders, measured one after the
 * other so no run competes with another for the two cores.
 */
export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  const log = options.log;
  const startedAt = new Date().toISOString();
  const loadBefore = loadAverage();
  const parts = emptyParts();
  const partLog = new PartLog(options, startedAt);
  const record = <K extends keyof BenchParts>(part: string, figures: Pick<BenchParts, K>) => {
    for (const [key, value] of Object.entries(figures) as Array<[keyof BenchParts, unknown]>) {
      if (Array.isArray(value)) (parts[key] as unknown[]).push(...value);
      else (parts as unknown as Record<string, unknown>)[key] = value;
    }
    partLog.record(part, figures);
  };
  // First, on a machine where nothing of the benchmark runs yet: the target is for an idle stack.
  if (options.phases.latency)
    record('latency', { latency: await measureLatency({ files: options.latencyFiles, pollMs: options.latencyPollMs, idleS: options.latencyIdleS }, log) });
  const otherPhases = Object.entries(options.phases).some(([phase, on]) => on && phase !== 'latency' && phase !== 'baseline');
  if (!otherPhases) return finish(options, { startedAt, loadBefore, partsFile: partLog.file }, parts);
  log(`benchmark (${options.size}): starting PGlite, GCS server, embedding fixture (${options.embedDelayMs} ms/request)`);
  const stack = await BenchStack.start({ delayMs: options.embedDelayMs, maxInputsPerRequest: options.maxInputsPerRequest });
  try {
    const corpus = await generateCorpus(options.size);
    const jobs = await uploadCorpus(stack, corpus);
    const localJobs = jobs.filter((_, i) => corpus[i].local);
    const warmup = await uploadWarmup(stack);
    log(`corpus: ${corpus.length} files, ${mb(sumBytes(jobs))} MB (${localJobs.length} files, ${mb(sumBytes(localJobs))} MB through the local model)`);

    if (options.phases.chunking) record('chunking', { chunking: measureChunking(corpus, options.chunkingSizesMb, log) });
    // The phase runner collects its runs here; each phase's are recorded when it ends.
    const runs: RunSummary[] = [];
    const phase = new PhaseRunner(stack, options, runs, warmup);
    if (options.phases.remote) {
      await phase.remote(jobs);
      record('remote', { runs: runs.splice(0) });
    }
    if (options.phases.local) {
      await phase.local(localJobs);
      record('local', { runs: runs.splice(0) });
    }
    if (options.phases.storage) {
      const { storage, staged } = await measureStorage(
        { url: stack.postgres.url, pid: stack.postgres.pid },
        { rows: options.storageRows, hnswRows: options.storageHnswRows, dimensions: 512, searchRows: options.searchRows },
        log,
        (search) => record(`search ${search.rows} rows`, { search: [search] }),
      );
      record('storage', { storage, staged });
      record('full text', { fullText: await measureFullTextValues({ url: stack.postgres.url, pid: stack.postgres.pid }, log) });
      const pool = new Pool({ connectionString: stack.postgres.url, max: 2 });
      try {
        for (const rows of options.modelSearchRows) record(`model search ${rows} rows`, { modelSearch: await measureModelVectorSearch(pool, rows, log) });
      } finally {
        await pool.end();
      }
    }
    if (options.phases.recall)
      record('recall', {
        recall: await measureSearchRecall(stack.postgres.url, corpus, { maxChunks: options.recallChunks, questions: options.recallQuestions }, log),
      });
    if (options.phases.bigFile && options.bigFileMb > 0) record('big file', { bigFile: await phase.bigFile(options.bigFileMb) });
    if (options.phases.reuse) record('reuse', { reuse: await phase.reuse() });

    return finish(options, { startedAt, loadBefore, partsFile: partLog.file, corpus: describeCorpus(corpus) }, parts);
  } finally {
    await stack.stop();
  }
}

/** The result of what ran (a part not run keeps its empty value), its targets, and its JSON file. */
function finish(
  options: BenchOptions,
  run: Pick<BenchResult, 'startedAt' | 'partsFile'> & Partial<Pick<BenchResult, 'corpus'>> & { loadBefore: number },
  parts: BenchParts,
): BenchResult {
  const result: BenchResult = {
    startedAt: run.startedAt,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadBefore: run.loadBefore,
      loadAfter: loadAverage(),
    },
    options: benchSettings(options),
    corpus: run.corpus ?? { files: 0, bytes: 0, byGroup: {}, localFiles: 0, localBytes: 0 },
    ...parts,
    targets: [...checkTargets({ ...parts, poolWorkers: options.poolWorkers }), ...(parts.latency?.files.length ? [latencyTarget(parts.latency)] : [])],
    resultFile: null,
    partsFile: run.partsFile,
  };
  if (options.resultsDir) {
    mkdirSync(options.resultsDir, { recursive: true });
    result.resultFile = join(options.resultsDir, `${resultStem(run.startedAt)}.json`);
    writeFileSync(result.resultFile, `${JSON.stringify(result, null, 2)}\n`);
  }
  return result;
}

/** One measured phase after another, each with its own service or baseline process. */
class PhaseRunner {
  constructor(
    private readonly stack: BenchStack,
    private readonly options: BenchOptions,
    private readonly runs: RunSummary[],
    private readonly warmup: IngestJob[],
  ) {}

  async remote(jobs: IngestJob[]): Promise<void> {
    const { options } = this;
    const service = await this.startService(0);
    try {
      await this.warmService(service, 'openai-compatible', 1);
      for (const concurrency of this.remoteLevels()) await this.measureOurs(service, jobs, 'openai-compatible', concurrency);
    } finally {
      await service.stop();
    }
    if (!options.phases.baseline) return;
    const baseline = await this.startBaseline({
      provider: 'openai',
      model: REMOTE_MODEL,
      baseURL: this.stack.fixture.baseURL,
      apiKey: FIXTURE_API_KEY,
      maxInFlight: options.openaiMaxInFlight,
    });
    try {
      await baseline.run(this.baselineRequest(this.warmup, 'warmup_baseline_openai', 'openai-compatible', 1));
      for (const concurrency of this.remoteLevels()) await this.measureBaseline(baseline, jobs, 'openai-compatible', concurrency);
    } finally {
      await baseline.stop();
    }
  }

  async local(jobs: IngestJob[]): Promise<void> {
    const { options } = this;
    const pool = await this.startService(options.poolWorkers);
    try {
      await this.warmService(pool, 'local', options.poolWorkers * 2);
      for (const concurrency of [1, options.concurrency]) await this.measureOurs(pool, jobs, 'local', concurrency, options.poolWorkers);
    } finally {
      await pool.stop();
    }
    if (options.phases.singleWorker && options.poolWorkers > 1) {
      const single = await this.startService(1);
      try {
        await this.warmService(single, 'local', 2);
        await this.measureOurs(single, jobs, 'local', options.concurrency, 1);
      } finally {
        await single.stop();
      }
    }
    if (!options.phases.baseline) return;
    const baseline = await this.startBaseline({ provider: 'local', workers: options.poolWorkers });
    try {
      for (const concurrency of [1, options.concurrency]) await this.measureBaseline(baseline, jobs, 'local', concurrency, options.poolWorkers);
    } finally {
      await baseline.stop();
    }
  }

  async bigFile(sizeMb: number): Promise<BigFileMeasure> {
    const { stack, options } = this;
    options.log(`large file: generating and uploading ${sizeMb} MB of text`);
    const key = `big/text-${sizeMb}mb.txt`;
    let bytes: Buffer | null = largeTextFile(sizeMb * 1024 * 1024);
    const size = bytes.length;
    const filePath = await stack.upload(key, bytes, 'text/plain');
    bytes = null; // the GCS server holds its own copy
    const service = await this.startService(0);
    try {
      options.log(`large file: ingesting ${sizeMb} MB through /ingest-file (batch_size ${options.bigFileBatchSize})`);
      const measure = await ingestBigFile(
        service,
        {
          filePath,
          fileUuid: fileUuidFor(key),
          bytes: size,
          table: 'bench_big',
          model: REMOTE_MODEL,
          batchSize: options.bigFileBatchSize,
        },
        { pid: stack.postgres.pid, pool: stack.pool },
      );
      options.log(`large file: ${measure.ok ? `${measure.chunks} chunks in ${measure.seconds} s` : measure.error}, peak RSS ${measure.peakRssMb} MB`);
      return measure;
    } finally {
      await service.stop();
      await stack.storage
        .bucket('bench')
        .file(key)
        .delete()
        .catch(() => undefined);
    }
  }

  async reuse(): Promise<ReuseMeasure> {
    const { stack, options } = this;
    const service = await this.startService(0);
    try {
      return await measureReingestReuse(
        stack,
        service,
        {
          pages: options.reusePages,
          rounds: options.reuseRounds,
          model: REMOTE_MODEL,
          batchSize: options.batchSize,
          chunkSize: options.chunkSize,
          chunkOverlap: options.chunkOverlap,
        },
        options.log,
      );
    } finally {
      await service.stop();
    }
  }

  private remoteLevels(): number[] {
    return [1, this.options.concurrency, ...this.options.extraRemoteConcurrency];
  }

  private startService(workers: number): Promise<IngestionServiceProcess> {
    return this.stack.startService({ embeddingWorkers: workers, vectorIndex: this.options.vectorIndex, openaiMaxInFlight: this.options.openaiMaxInFlight });
  }

  private startBaseline(embedder: BaselineConfig['embedder']): Promise<BaselineProcess> {
    return BaselineProcess.start({ gcsUrl: this.stack.gcs.url, databaseUrl: this.stack.postgres.url, embedder });
  }

  /** First requests load the model, create the table's siblings and warm the JIT; they are not measured. */
  private async warmService(service: IngestionServiceProcess, embedder: EmbedderName, parallel: number): Promise<void> {
    const copies = Array.from({ length: parallel }, (_, i) => ({ ...this.warmup[0], fileUuid: fileUuidFor(`warmup-${i}`) }));
    const outcome = await runOurs(service, copies, this.oursSettings(`warmup_${TABLES.ours[embedder]}`, embedder, parallel));
    const failed = outcome.files.find((f) => !f.ok);
    if (failed) throw new Error(`warm-up ingestion failed (${failed.error}); service log:\n${service.recentLogs()}`);
  }

  private oursSettings(table: string, embedder: EmbedderName, concurrency: number) {
    const { options } = this;
    return {
      table,
      provider: embedder === 'local' ? ('local' as const) : ('openai' as const),
      model: embedder === 'local' ? LOCAL_MODEL : REMOTE_MODEL,
      batchSize: options.batchSize,
      chunkSize: options.chunkSize,
      chunkOverlap: options.chunkOverlap,
      concurrency,
    };
  }

  private baselineRequest(jobs: IngestJob[], tableName: string, embedder: EmbedderName, concurrency: number) {
    const { options } = this;
    return { jobs, schemaName: 'ai', tableName, dimensions: DIMENSIONS[embedder], chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap, concurrency };
  }

  private async measureOurs(service: IngestionServiceProcess, jobs: IngestJob[], embedder: EmbedderName, concurrency: number, workers?: number): Promise<void> {
    const label = `ours · ${embedder}${workers ? ` · ${workers} worker${workers > 1 ? 's' : ''}` : ''} · ${concurrency} at once`;
    this.options.log(`${label}: ${jobs.length} files`);
    // Every run ingests the corpus as new files, as the baseline does: a re-ingestion would take
    // the stored vectors of unchanged chunks (measured on its own: --only reuse) and embed nothing.
    await this.stack.clearTable(`ai.data_${TABLES.ours[embedder]}`);
    service.memory.resetPeak();
    this.stack.fixture.resetStats();
    const cpu = this.cpuMeter(service.pid);
    const outcome = await runOurs(service, jobs, this.oursSettings(TABLES.ours[embedder], embedder, concurrency));
    const cpuS = cpu();
    await this.record(outcome, label, 'ours', embedder, concurrency, workers, service.memory.read()?.peakMb ?? null, `ai.data_${TABLES.ours[embedder]}`, cpuS);
  }

  private async measureBaseline(baseline: BaselineProcess, jobs: IngestJob[], embedder: EmbedderName, concurrency: number, workers?: number): Promise<void> {
    const label = `baseline · ${embedder}${workers ? ` · ${workers} worker${workers > 1 ? 's' : ''}` : ''} · ${concurrency} at once`;
    this.options.log(`${label}: ${jobs.length} files`);
    baseline.memory.resetPeak();
    this.stack.fixture.resetStats();
    const cpu = this.cpuMeter(baseline.memory.pid);
    const outcome = await baseline.run(this.baselineRequest(jobs, TABLES.baseline[embedder], embedder, concurrency));
    const cpuS = cpu();
    await this.record(outcome, label, 'baseline', embedder, concurrency, workers, baseline.memory.read()?.peakMb ?? null, `ai.${TABLES.baseline[embedder]}`, cpuS);
  }

  /**
   * CPU seconds a run used, per process: the path's own (the service or the baseline), the
   * database server, and this process (the GCS server, the embedding fixture, the callback
   * receiver and the client). Call it before the run; the function it gives reads the use since.
   */
  private cpuMeter(pathPid: number): () => RunCpuSeconds {
    const databasePid = this.stack.postgres.pid;
    const own = () => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1e6;
    };
    const before = { path: processCpuSeconds(pathPid), database: processCpuSeconds(databasePid), standIns: own() };
    const since = (start: number | null, now: number | null) => (start === null || now === null ? null : now - start);
    return () => ({
      path: since(before.path, processCpuSeconds(pathPid)),
      database: since(before.database, processCpuSeconds(databasePid)),
      standIns: own() - before.standIns,
    });
  }

  private async record(
    outcome: RunOutcome,
    label: string,
    path: 'ours' | 'baseline',
    embedder: EmbedderName,
    concurrency: number,
    workers: number | undefined,
    peakRssMb: number | null,
    table: string,
    cpuS?: RunCpuSeconds,
  ): Promise<void> {
    const { options, stack } = this;
    const remote = embedder === 'openai-compatible';
    // The baseline's LlamaIndex adapter hands over embedBatchSize (10) texts per call and awaits each call.
    const inputsPerRequest = path === 'ours' ? options.batchSize : Math.min(10, options.batchSize);
    const inFlight = path === 'ours' ? options.openaiMaxInFlight : Math.min(concurrency, options.openaiMaxInFlight);
    const summary = summarizeRun(outcome, {
      label,
      path,
      embedder,
      concurrency,
      workers,
      peakRssMb,
      rowsAfter: await stack.countRows(table),
      cpuS,
      fixture: remote ? { stats: stack.fixture.stats(), maxInFlight: inFlight, inputsPerRequest, delayMs: options.embedDelayMs } : undefined,
      // embedAndStore keeps the embedder's parallelism (OPENAI_MAX_IN_FLIGHT) plus one batch of a file out.
      batchesPerFile: remote && path === 'ours' ? options.openaiMaxInFlight + 1 : undefined,
    });
    this.runs.push(summary);
    options.log(
      `  ${summary.chunks} chunks in ${summary.wallS} s: ${summary.chunksPerS} chunks/s, ${summary.mbPerS} MB/s, rows ${summary.rowsAfter}` +
        `${summary.failed ? `, ${summary.failed} FAILED: ${summary.errors.join('; ')}` : ''}`,
    );
  }
}

async function uploadCorpus(stack: BenchStack, corpus: CorpusFile[]): Promise<IngestJob[]> {
  const jobs: IngestJob[] = [];
  for (const file of corpus) {
    const filePath = await stack.upload(file.key, file.bytes, file.contentType);
    jobs.push({ key: file.key, filePath, bytes: file.bytes.length, fileUuid: fileUuidFor(file.key) });
  }
  return jobs;
}

async function uploadWarmup(stack: BenchStack): Promise<IngestJob[]> {
  const key = 'warmup/warmup.md';
  const bytes = Buffer.from(markdownText(new SeededRandom(1), 6_000));
  return [{ key, filePath: await stack.upload(key, bytes, 'text/markdown'), bytes: bytes.length, fileUuid: fileUuidFor(key) }];
}

function describeCorpus(corpus: CorpusFile[]): BenchResult['corpus'] {
  const byGroup: Record<string, { files: number; bytes: number }> = {};
  for (const file of corpus) {
    byGroup[file.group] ??= { files: 0, bytes: 0 };
    byGroup[file.group].files++;
    byGroup[file.group].bytes += file.bytes.length;
  }
  const local = corpus.filter((f) => f.local);
  return {
    files: corpus.length,
    bytes: sumBytes(corpus.map((f) => ({ bytes: f.bytes.length }))),
    byGroup,
    localFiles: local.length,
    localBytes: sumBytes(local.map((f) => ({ bytes: f.bytes.length }))),
  };
}

const sumBytes = (items: Array<{ bytes: number }>) => items.reduce((sum, item) => sum + item.bytes, 0);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
