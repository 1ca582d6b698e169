export interface Row {
  name: string;
  status: string;
  progress: number;
  stage: string | null;
  chunks: number | null;
  error: string | null;
  seconds: number;
}

const WIDTH = 24;

function bar(progress: number): string {
  const filled = Math.round((Math.max(0, Math.min(100, progress)) / 100) * WIDTH);
  return `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
}

function line(row: Row, nameWidth: number): string {
  const detail = row.status === 'processing' && row.stage ? row.stage : row.status;
  return `${row.name.padEnd(nameWidth)}  ${bar(row.progress)} ${String(Math.round(row.progress)).padStart(3)} %  ${detail}`;
}

/**
 * One progress bar per file, redrawn in place on a terminal; on a pipe or in CI, one line per
 * change of status so logs stay readable.
 */
export class ProgressView {
  private drawn = 0;
  private readonly last = new Map<string, string>();

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  render(rows: Row[]): void {
    const nameWidth = Math.min(40, Math.max(...rows.map((r) => r.name.length)));
    if (this.out.isTTY) {
      if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
      for (const row of rows) this.out.write(`\x1b[2K${line(row, nameWidth)}\n`);
      this.drawn = rows.length;
      return;
    }
    for (const row of rows) {
      const key = `${row.status}:${row.stage}`;
      if (this.last.get(row.name) !== key) {
        this.last.set(row.name, key);
        this.out.write(`${line(row, nameWidth)}\n`);
      }
    }
  }
}

export function summaryTable(rows: Row[]): string {
  const header = ['file', 'status', 'chunks', 'time', 'error'];
  const cells = rows.map((r) => [r.name, r.status, r.chunks === null ? '' : String(r.chunks), `${r.seconds.toFixed(1)} s`, r.error ?? '']);
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...cells.map((c) => c[i].length))));
  const format = (c: string[]) => c.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i])).join('  ').trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...cells.map(format)].join('\n');
}
