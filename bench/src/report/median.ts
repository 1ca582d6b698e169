/**
 * The middle value; of an even count, the upper of the two middle ones (a figure that was
 * measured, not an average of two). The latency report keeps its own quantile, which takes the
 * lower one.
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
