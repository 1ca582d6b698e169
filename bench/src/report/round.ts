/**
 * A figure kept to `digits` decimals for the results and the printed tables (one rounding for
 * every part, so the same measure reads the same wherever it is reported).
 */
export function round(value: number, digits = 2): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
