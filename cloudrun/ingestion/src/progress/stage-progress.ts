import type { IngestionStage } from '@docingest/contracts';

/**
 * Share of the overall percentage each stage covers. Embedding dominates the wall time, so it
 * gets most of the bar; within embedding and storing the percentage moves by chunks.
 */
const BANDS: Record<IngestionStage, [number, number]> = {
  downloading: [0, 5],
  parsing: [5, 10],
  chunking: [10, 15],
  embedding: [15, 85],
  storing: [85, 99],
};

export function overallPercent(stage: IngestionStage, done = 0, total = 0): number {
  const [from, to] = BANDS[stage];
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  return Math.round((from + (to - from) * fraction) * 10) / 10;
}
