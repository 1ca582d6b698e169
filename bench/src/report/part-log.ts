import { appendFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from '../bench-options';
import type { BenchParts } from '../bench-runner';
import { formatParts } from './print-report';
import { round } from './round';

/** A run's files are named by its start: `<stem>.jsonl` as it goes, `<stem>.json` at the end. */
export const resultStem = (startedAt: string) => startedAt.replace(/[:.]/g, '-');

/** The options as written to the results: without the log function and the folder. */
export function benchSettings(options: BenchOptions): Omit<BenchOptions, 'log' | 'resultsDir'> {
  const { log, resultsDir, ...settings } = options;
  return settings;
}

export const loadAverage = () => round(loadavg()[0]);

/**
 * Each part's figures as soon as the part finishes: its tables printed, and one JSON line appended
 * to the run's parts file (its path printed at the start), so a run killed or timed out part way
 * keeps everything it measured until then. The first line holds the run's options.
 */
export class PartLog {
  readonly file: string | null = null;

  constructor(
    private readonly options: BenchOptions,
    startedAt: string,
  ) {
    if (!options.resultsDir) return;
    mkdirSync(options.resultsDir, { recursive: true });
    this.file = join(options.resultsDir, `${resultStem(startedAt)}.jsonl`);
    this.append({ part: 'start', startedAt, loadAverage: loadAverage(), options: benchSettings(options) });
    options.log(`each part's figures are appended to ${this.file} as it finishes`);
  }

  record(part: string, figures: Partial<BenchParts>): void {
    if (this.file) this.append({ part, finishedAt: new Date().toISOString(), loadAverage: loadAverage(), ...figures });
    this.options.log([`[${part}] finished at load average ${loadAverage()}`, ...formatParts(figures)].join('\n'));
  }

  private append(line: object): void {
    appendFileSync(this.file!, `${JSON.stringify(line)}\n`);
  }
}
