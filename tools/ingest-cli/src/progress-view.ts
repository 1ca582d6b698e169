export interface Row {
  name: string;
  status: string;
  progress: number;
  stage: string | null;
  chunks: number | null;
  /** Pages parsed; null when the api does not report them. */
  pages: number | null;
  error: string | null;
  /** Ingestion time, from the api's start and end timestamps when it has them. */
  seconds: number | null;
}

const WIDTH = 24;
const MAX_CELL = 48;

/** A file name can hold control characters; printed raw they would drive the terminal. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function bar(progress: number): string {
  const filled = Math.round((Math.max(0, Math.min(100, progress)) / 100) * WIDTH);
  return `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

function line(row: Row, nameWidth: number): string {
  const detail = row.status === 'processing' && row.stage ? row.stage : row.status;
  return `${fit(printable(row.name), nameWidth)}  ${bar(row.progress)} ${String(Math.round(row.progress)).padStart(3)} %  ${detail}`;
}

/**
 * One progress bar per file, redrawn in place on a terminal; on a pipe or in CI, one line per
 * change of status or stage so logs stay readable.
 */
export class ProgressView {
  private drawn = 0;
  private readonly last = new Map<number, string>();

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  render(rows: Row[]): void {
    const nameWidth = Math.min(40, Math.max(4, ...rows.map((r) => r.name.length)));
    if (this.out.isTTY) {
      if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
      for (const row of rows) this.out.write(`\x1b[2K${line(row, nameWidth)}\n`);
      this.drawn = rows.length;
      return;
    }
    rows.forEach((row, i) => {
      const key = `${row.status}:${row.stage}`;
      if (this.last.get(i) !== key) {
        this.last.set(i, key);
        this.out.write(`${line(row, nameWidth)}\n`);
      }
    });
  }
}

export const SUMMARY_COLUMNS = ['file', 'status', 'chunks', 'pages', 'time', 'error'] as const;

/** The summary: one line per file; the error, last, is never cut so it can be read whole. */
export function summaryTable(rows: Row[]): string {
  const cells = rows.map((r) => [
    printable(r.name),
    r.status,
    r.chunks === null ? '–' : String(r.chunks),
    r.pages === null ? '–' : String(r.pages),
    r.seconds === null ? '–' : `${r.seconds.toFixed(1)} s`,
    printable(r.error ?? ''),
  ]);
  const last = SUMMARY_COLUMNS.length - 1;
  const widths = SUMMARY_COLUMNS.map((h, i) => Math.max(h.length, ...cells.map((c) => (i === last ? 0 : Math.min(MAX_CELL, c[i].length)))));
  const numeric = new Set([2, 3, 4]);
  const format = (c: string[]) =>
    c
      .map((v, i) => (i === last ? v : numeric.has(i) ? v.padStart(widths[i]) : fit(v, widths[i])))
      .join('  ')
      .trimEnd();
  const header = SUMMARY_COLUMNS.map((h, i) => (numeric.has(i) ? h.padStart(widths[i]) : h.padEnd(widths[i])));
  return [
    header.join('  ').trimEnd(),
    widths.map((w, i) => '-'.repeat(i === last ? Math.max(w, ...cells.map((c) => Math.min(60, c[i].length))) : w)).join('  '),
    ...cells.map(format),
  ].join('\n');
}
