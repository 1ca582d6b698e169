import type { TargetCheck } from '../report/targets';
import type { FileLatency, LatencyMeasure } from './latency-run';

const TARGET_MS = 500;
const STAGES = ['download', 'parse', 'chunk', 'embed', 'store', 'callbacks'] as const;

export function quantile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? sorted[0];
}
const median = (values: number[]) => quantile(values, 0.5);

/** The service's time not in any of its stages: validation, the table check, logging, scheduling. */
const serviceOther = (f: FileLatency) => f.service - STAGES.reduce((sum, s) => sum + f.stages[s], 0);

/** The rows of the breakdown: one recorded moment to the next, then the service's stages inside. */
function rows(measure: LatencyMeasure): Array<[string, (f: FileLatency) => number]> {
  return [
    ['upload (POST /files)', (f) => f.upload],
    ['enqueue (ingest-selected until the job is in Redis)', (f) => f.enqueue],
    ["queue pick-up (job in Redis until the api's worker takes it)", (f) => f.queuePickup],
    ['dispatch (worker takes it until the service receives /ingest-file)', (f) => f.dispatch],
    ['service (receives it until the api records completed)', (f) => f.service],
    ...STAGES.map((s): [string, (f: FileLatency) => number] => [`  ${s} (service's timings_ms)`, (f) => f.stages[s]]),
    ['  other (validation, table check, between stages)', serviceOther],
    ...measure.observers.map((o): [string, (f: FileLatency) => number] => [`seen: api records completed until ${o} sees it`, (f) => f.seen[o]]),
    ...measure.observers.map((o): [string, (f: FileLatency) => number] => [`upload to completed, ${o}`, (f) => f.total[o]]),
  ];
}

export function formatLatency(measure: LatencyMeasure): string[] {
  const table = rows(measure).map(([label, of]) => {
    const values = measure.files.map(of);
    return [label, median(values).toFixed(0), quantile(values, 0.9).toFixed(0), of(measure.cold).toFixed(0), measure.afterIdle ? of(measure.afterIdle).toFixed(0) : ''];
  });
  const headers = ['segment', 'median', 'p90', 'cold', `after ${measure.idleS} s idle`];
  const widths = headers.map((_, i) => Math.max(...[headers, ...table].map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    '',
    `Latency: a one-page PDF from upload to completed (local embedder, idle stack, ${measure.files.length} files one at a time; ms)`,
    line(headers),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.map(line),
    ...(measure.failed.length ? [`${measure.failed.length} failed: ${measure.failed.join('; ')}`] : []),
    "(medians of each row; the rows' medians need not add up to the total's)",
  ];
}

/** Target 5: the median of the fastest observer the CLI and the UI use. */
export function latencyTarget(measure: LatencyMeasure): TargetCheck {
  const byObserver = measure.observers.map((o) => ({ o, ms: median(measure.files.map((f) => f.total[o])) }));
  const best = byObserver.reduce((a, b) => (b.ms < a.ms ? b : a));
  return {
    target: `a 1-page PDF from upload to completed as the CLI sees it: ≤ ${TARGET_MS} ms median (local embedder, idle stack)`,
    measured:
      byObserver.map(({ o, ms }) => `${ms.toFixed(0)} ms (${o})`).join('; ') +
      `; p90 ${quantile(
        measure.files.map((f) => f.total[best.o]),
        0.9,
      ).toFixed(0)} ms`,
    met: best.ms <= TARGET_MS,
  };
}
