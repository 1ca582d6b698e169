/** Milliseconds per stage of one file, the service's `timings_ms` or the baseline's equivalent. */
export interface StageTimes {
  download: number;
  parse: number;
  chunk: number;
  embed: number;
  store: number;
  callbacks: number;
  total: number;
}

export const STAGES = ['download', 'parse', 'chunk', 'embed', 'store', 'callbacks'] as const;

/** One file of the corpus as a run sees it. */
export interface IngestJob {
  key: string;
  /** gs://bucket/key */
  filePath: string;
  bytes: number;
  fileUuid: string;
}

export interface FileOutcome {
  key: string;
  bytes: number;
  chunks: number;
  ok: boolean;
  error?: string;
  /** Request (or baseline call) wall time as the caller saw it. */
  wallMs: number;
  timings: StageTimes;
}

export interface RunOutcome {
  files: FileOutcome[];
  /** First start to last end. */
  wallMs: number;
}

export interface ChunkSettings {
  chunkSize: number;
  chunkOverlap: number;
}

export function emptyTimes(): StageTimes {
  return { download: 0, parse: 0, chunk: 0, embed: 0, store: 0, callbacks: 0, total: 0 };
}

/** Runs `work` over `items` with at most `concurrency` at once, results in input order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  return results;
}
