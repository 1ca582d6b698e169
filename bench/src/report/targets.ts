import type { BigFileMeasure } from '../runs/big-file';
import type { ChunkingMeasure } from '../runs/chunking-alone';
import type { SearchMeasure, StorageMeasure } from '../runs/storage-alone';
import { median } from './median';
import type { RunSummary } from './summarize';

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

export interface TargetInputs {
  runs: RunSummary[];
  storage: StorageMeasure[];
  search: SearchMeasure[];
  bigFile: BigFileMeasure | null;
  chunking: ChunkingMeasure | null;
  poolWorkers: number;
}

const find = (runs: RunSummary[], path: string, embedder: string, concurrent: boolean, workers?: number) =>
  runs.find((r) => r.path === path && r.embedder === embedder && r.concurrency > 1 === concurrent && (workers === undefined || r.workers === workers));

/** The figures the briefs set targets for, side by side with what was measured. Reported, never asserted. */
export function checkTargets({ runs, storage, search, bigFile, chunking, poolWorkers }: TargetInputs): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (chunking) {
    const largest = chunking.speeds[chunking.speeds.length - 1];
    const middle = median(chunking.speeds.map((s) => s.mbPerCpuS));
    checks.push({
      target: 'chunking alone: ≥ 10 MB/s per core on the bench prose (MB per CPU second, median of the sizes)',
      measured: `${middle} MB/s per core (${largest.megabytes} MB: ${largest.mbPerCpuS} per CPU s, ${largest.mbPerWallS} per wall s)`,
      met: middle >= 10,
    });
    checks.push({
      target: 'chunking alone: linear in the text (CPU s per MB, largest over smallest size ≤ 1.25)',
      measured: `${chunking.linearity} (${chunking.speeds.map((s) => `${s.megabytes} MB ${s.cpuS} s`).join(', ')})`,
      met: chunking.linearity <= 1.25,
    });
    const eq = chunking.equivalence;
    checks.push({
      target: "chunking alone: ≥ 99% of SentenceSplitter's chunks equal (same settings, corpus text files)",
      measured: `${(eq.share * 100).toFixed(2)}% (${eq.equal} of ${eq.referenceChunks}; ${eq.differences.length} differences)`,
      met: eq.share >= 0.99,
    });
  }
  const remoteLevels = [...new Set(runs.filter((r) => r.path === 'ours' && r.embedder === 'openai-compatible').map((r) => r.concurrency))];
  for (const level of remoteLevels) {
    const ours = runs.find((r) => r.path === 'ours' && r.embedder === 'openai-compatible' && r.concurrency === level);
    const base = runs.find((r) => r.path === 'baseline' && r.embedder === 'openai-compatible' && r.concurrency === level);
    if (ours && base && base.chunksPerS > 0) {
      const ratio = ours.chunksPerS / base.chunksPerS;
      checks.push({
        target: `remote-style embedder: ours ≥ 5x baseline chunks/s (${level > 1 ? `${level} files at once` : 'one file at a time'})`,
        measured:
          `${ratio.toFixed(2)}x (${ours.chunksPerS} vs ${base.chunksPerS} chunks/s)` +
          (ours.embedderCalls?.ceiling ? `; ceiling ${(ours.embedderCalls.ceiling.chunksPerS / base.chunksPerS).toFixed(2)}x` : ''),
        met: ratio >= 5,
      });
    }
  }
  const single = runs.find((r) => r.path === 'ours' && r.embedder === 'openai-compatible' && r.concurrency === 1);
  const singleBase = runs.find((r) => r.path === 'baseline' && r.embedder === 'openai-compatible' && r.concurrency === 1);
  if (single?.embedderCalls?.floorS) {
    const over = single.wallS / single.embedderCalls.floorS;
    checks.push({
      target: 'remote-style embedder, one file at a time: within 10% of the floor (one round trip per batch of each file) and ≥ 2.8x baseline',
      measured:
        `${single.wallS} s for a floor of ${single.embedderCalls.floorS} s (${((over - 1) * 100).toFixed(1)}% over)` +
        (singleBase ? `; ${(single.chunksPerS / singleBase.chunksPerS).toFixed(2)}x baseline` : '') +
        (singleBase && single.embedderCalls.ceiling
          ? ` (2.8x: ≤ ${(singleBase.wallS / 2.8).toFixed(2)} s; ceiling ${single.embedderCalls.ceiling.wallS} s = ${(singleBase.wallS / single.embedderCalls.ceiling.wallS).toFixed(2)}x)`
          : ''),
      met: over <= 1.1 && (!singleBase || single.chunksPerS / singleBase.chunksPerS >= 2.8),
    });
  }
  // The endpoint limit is approached with the most files in flight.
  const oursRemote = runs.filter((r) => r.path === 'ours' && r.embedder === 'openai-compatible').sort((a, b) => b.concurrency - a.concurrency)[0];
  if (oursRemote?.embedderCalls) {
    checks.push({
      target: `remote-style embedder: ours ≥ 80% of the endpoint limit (in flight × inputs per request / delay), ${oursRemote.concurrency} files at once`,
      measured:
        `${(oursRemote.embedderCalls.shareOfLimit * 100).toFixed(1)}% of ${oursRemote.embedderCalls.limitChunksPerS} chunks/s with full batches; ` +
        `${(oursRemote.embedderCalls.shareOfLimitAtSentBatches * 100).toFixed(1)}% of ${oursRemote.embedderCalls.limitAtSentBatchesChunksPerS} with the batches sent` +
        (oursRemote.embedderCalls.ceiling ? `; ceiling ${(oursRemote.embedderCalls.ceiling.shareOfLimit * 100).toFixed(1)}%` : ''),
      met: oursRemote.embedderCalls.shareOfLimit >= 0.8,
    });
  }
  const pool = runs.find((r) => r.path === 'ours' && r.embedder === 'local' && r.concurrency > 1 && r.workers === poolWorkers);
  const one = runs.find((r) => r.path === 'ours' && r.embedder === 'local' && r.concurrency > 1 && r.workers === 1);
  if (pool && one && one.chunksPerS > 0 && poolWorkers > 1) {
    const ratio = pool.chunksPerS / one.chunksPerS;
    checks.push({
      target: `local embedder: pool (${poolWorkers} workers) ≥ 1.6x one worker`,
      measured: `${ratio.toFixed(2)}x (${pool.chunksPerS} vs ${one.chunksPerS} chunks/s)`,
      met: ratio >= 1.6,
    });
  }
  const localSeq = find(runs, 'ours', 'local', false);
  if (localSeq) {
    checks.push({
      target: 'local embedder: non-embedding time < 15% of wall (one file at a time)',
      measured: `${(localSeq.nonEmbedShare * 100).toFixed(1)}%`,
      met: localSeq.nonEmbedShare < 0.15,
    });
  }
  if (bigFile) {
    const mb = Math.round(bigFile.bytes / 1024 / 1024);
    checks.push({
      target: `${mb} MB text file: service peak RSS < 500 MB`,
      measured: bigFile.ok ? `${bigFile.peakRssMb} MB peak (${bigFile.seconds} s)` : `failed: ${bigFile.error}; peak ${bigFile.peakRssMb} MB`,
      met: bigFile.ok && bigFile.peakRssMb !== null ? bigFile.peakRssMb < 500 : false,
    });
    checks.push({
      target: `${mb} MB text file through /ingest-file (remote-style, batch_size ${bigFile.batchSize}) in ≤ 30 s`,
      measured: bigFile.ok
        ? `${bigFile.seconds} s (${bigFile.mbPerS} MB/s)` + (bigFile.cpuS.database !== null ? `; database CPU ${bigFile.cpuS.database} s` : '')
        : `failed: ${bigFile.error}`,
      met: bigFile.ok && bigFile.seconds <= 30,
    });
  }
  const none = storage.find((s) => s.index === 'none' && s.rowShape === 'chunk');
  if (none)
    checks.push({ target: 'storage alone: ≥ 10,000 rows/s (no vector index, chunk-sized rows)', measured: `${none.rowsPerS} rows/s`, met: none.rowsPerS >= 10_000 });
  const indexed = storage.find((s) => s.index === 'hnsw' && s.rowShape === 'chunk');
  if (indexed) {
    checks.push({
      target: "storage alone: ≥ 2,000 rows/s into a knowledge base's table with its default vector index (VECTOR_INDEX=hnsw)",
      measured:
        `${indexed.rowsPerS} rows/s` +
        (search.length
          ? `; search ${search.map((m) => `${m.rows} rows: exact ${m.exactMs} ms, HNSW ${m.indexedMs} ms (${m.indexedPlan}), recall@10 ${m.recallAt10}`).join('; ')}`
          : ''),
      met: indexed.rowsPerS >= 2_000,
    });
  }
  return checks;
}
