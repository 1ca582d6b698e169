import { availableParallelism } from 'node:os';
import type { CorpusSize } from './corpus/corpus-generator';

export interface BenchOptions {
  size: CorpusSize;
  /** Files in flight at once in the concurrent runs. */
  concurrency: number;
  /** More levels of files in flight for the remote-style runs, measured after `concurrency` (e.g. 16). */
  extraRemoteConcurrency: number[];
  /** The embedding fixture's delay per request (ms). */
  embedDelayMs: number;
  /** The fixture's cap on inputs per request (400 above it). */
  maxInputsPerRequest: number;
  /** The service's VECTOR_INDEX for the path comparison; the baseline's table has no vector index. */
  vectorIndex: 'none' | 'hnsw';
  /** batch_size of each /ingest-file request: texts per embedding request. */
  batchSize: number;
  chunkSize: number;
  chunkOverlap: number;
  /** OPENAI_MAX_IN_FLIGHT of the service (and the baseline's embedder). */
  openaiMaxInFlight: number;
  /** Local model workers of the "pool" runs; the service's default is one per core. */
  poolWorkers: number;
  storageRows: number;
  storageHnswRows: number;
  /** Table sizes search latency and recall are measured at (besides storageRows' table). */
  searchRows: number[];
  /** Rows of the local model's vectors indexed search is measured on against exact search (0: none). */
  modelSearchRows: number[];
  /** 0 skips the large-file measurement. */
  bigFileMb: number;
  /** batch_size of the large-file request. */
  bigFileBatchSize: number;
  /** Sizes (MB) of the bench's prose the chunker alone is timed on. */
  chunkingSizesMb: number[];
  phases: {
    chunking: boolean;
    remote: boolean;
    local: boolean;
    singleWorker: boolean;
    storage: boolean;
    bigFile: boolean;
    recall: boolean;
    latency: boolean;
    reuse: boolean;
    /** The LlamaIndex baseline's runs beside ours in the remote and local phases. */
    baseline: boolean;
  };
  /** Pages of the PDF re-ingested with one page edited, and how many rounds (one edited page each) are measured. */
  reusePages: number;
  reuseRounds: number;
  /** Chunks and questions of the search recall measure (local model, real vectors). */
  recallChunks: number;
  recallQuestions: number;
  /** One-page PDFs measured from upload to completed on the whole local stack, and the poller's interval. */
  latencyFiles: number;
  latencyPollMs: number;
  /** Idle seconds before the last latency file (past the parse threads' 30 s idle timeout); 0: none. */
  latencyIdleS: number;
  /** Where the JSON result goes; null: not written. */
  resultsDir: string | null;
  log: (line: string) => void;
}

export const REMOTE_MODEL = 'text-embedding-3-small';

export function defaultOptions(size: CorpusSize): BenchOptions {
  const full = size === 'full';
  return {
    size,
    concurrency: 4,
    extraRemoteConcurrency: [],
    embedDelayMs: 150,
    maxInputsPerRequest: 2048,
    vectorIndex: 'none',
    batchSize: 20,
    chunkSize: 1000,
    chunkOverlap: 200,
    openaiMaxInFlight: 4,
    poolWorkers: availableParallelism(),
    storageRows: full ? 20_000 : 500,
    storageHnswRows: full ? 2_000 : 100,
    searchRows: full ? [20_000, 100_000] : [500],
    modelSearchRows: full ? [20_000] : [],
    bigFileMb: full ? 100 : 0,
    bigFileBatchSize: 100,
    chunkingSizesMb: full ? [1, 4, 16] : [0.25, 1],
    phases: { chunking: true, remote: true, local: true, singleWorker: true, storage: true, bigFile: full, recall: true, latency: full, reuse: true, baseline: true },
    reusePages: full ? 300 : 20,
    reuseRounds: 3,
    recallChunks: full ? 400 : 80,
    recallQuestions: full ? 60 : 24,
    latencyFiles: full ? 20 : 5,
    latencyPollMs: 500,
    latencyIdleS: 35,
    resultsDir: null,
    log: (line) => process.stdout.write(`${line}\n`),
  };
}
