import type { BigFileMeasure } from '../runs/big-file';
import type { StorageMeasure } from '../runs/storage-alone';
import type { RunSummary } from './summarize';

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

const find = (runs: RunSummary[], path: string, embedder: string, concurrent: boolean, workers?: number) =>
  runs.find((r) => r.path === path && r.embedder === embedder && (r.concurrency > 1) === concurrent && (workers === undefined || r.workers === workers));

/** The figures the brief sets targets for, side by side with what was measured. Reported, never asserted. */
export function checkTargets(runs: RunSummary[], storage: StorageMeasure[], bigFile: BigFileMeasure | null, poolWorkers: number): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const remoteLevels = [...new Set(runs.filter((r) => r.path === 'ours' && r.embedder === 'openai-compatible').map((r) => r.concurrency))];
  for (const level of remoteLevels) {
    const ours = runs.find((r) => r.path === 'ours' && r.embedder === 'openai-compatible' && r.concurrency === level);
    const base = runs.find((r) => r.path === 'baseline' && r.embedder === 'openai-compatible' && r.concurrency === level);
    if (ours && base && base.chunksPerS > 0) {
      const ratio = ours.chunksPerS / base.chunksPerS;
      checks.push({
        target: `remote-style embedder: ours ≥ 5x baseline chunks/s (${level > 1 ? `${level} files at once` : 'one file at a time'})`,
        measured: `${ratio.toFixed(2)}x (${ours.chunksPerS} vs ${base.chunksPerS} chunks/s)`,
        met: ratio >= 5,
      });
    }
  }
  // The endpoint limit is approached with the most files in flight.
  const oursRemote = runs.filter((r) => r.path === 'ours' && r.embedder === 'openai-compatible').sort((a, b) => b.concurrency - a.concurrency)[0];
  if (oursRemote?.embedderCalls) {
    checks.push({
      target: 'remote-style embedder: ours ≥ 80% of the endpoint limit (in flight × inputs per request / delay)',
      measured:
        `${(oursRemote.embedderCalls.shareOfLimit * 100).toFixed(1)}% of ${oursRemote.embedderCalls.limitChunksPerS} chunks/s with full batches; ` +
        `${(oursRemote.embedderCalls.shareOfLimitAtSentBatches * 100).toFixed(1)}% of ${oursRemote.embedderCalls.limitAtSentBatchesChunksPerS} with the batches sent`,
      met: oursRemote.embedderCalls.shareOfLimit >= 0.8,
    });
  }
  const pool = runs.find((r) => r.path === 'ours' && r.embedder === 'local' && r.concurrency > 1 && r.workers === poolWorkers);
  const single = runs.find((r) => r.path === 'ours' && r.embedder === 'local' && r.concurrency > 1 && r.workers === 1);
  if (pool && single && single.chunksPerS > 0 && poolWorkers > 1) {
    const ratio = pool.chunksPerS / single.chunksPerS;
    checks.push({
      target: `local embedder: pool (${poolWorkers} workers) ≥ 1.6x one worker`,
      measured: `${ratio.toFixed(2)}x (${pool.chunksPerS} vs ${single.chunksPerS} chunks/s)`,
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
    checks.push({
      target: `${Math.round(bigFile.bytes / 1024 / 1024)} MB text file: service peak RSS < 500 MB`,
      measured: bigFile.ok ? `${bigFile.peakRssMb} MB peak (${bigFile.seconds} s)` : `failed: ${bigFile.error}; peak ${bigFile.peakRssMb} MB`,
      met: bigFile.ok && bigFile.peakRssMb !== null ? bigFile.peakRssMb < 500 : false,
    });
  }
  const none = storage.find((s) => s.index === 'none' && s.rowShape === 'chunk');
  if (none) checks.push({ target: 'storage alone: ≥ 10,000 rows/s (no vector index, chunk-sized rows)', measured: `${none.rowsPerS} rows/s`, met: none.rowsPerS >= 10_000 });
  return checks;
}
