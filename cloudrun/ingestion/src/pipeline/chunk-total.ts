import type { Chunk } from '@docingest/chunking';

/**
 * How many chunks a file will have, for progress reports while it is still being chunked:
 * exact once chunking has finished, before that the chunks so far plus what the characters not
 * yet read should give at the rate seen so far. Reports never go back (the reporter sees to
 * that), so an estimate that moves only changes how fast the bar fills.
 */
export class ChunkTotal {
  private count = 0;
  private newChars = 0;
  private finished = false;

  constructor(
    private readonly expectedChars: number,
    private readonly overlapShare: number,
  ) {}

  add(chunk: Chunk): void {
    this.count++;
    // Neighbouring chunks share about `overlapShare` of their text.
    this.newChars += chunk.text.length * (1 - this.overlapShare);
  }

  finish(): void {
    this.finished = true;
  }

  get chunks(): number {
    return this.count;
  }

  get total(): number {
    if (this.finished || this.count === 0 || this.newChars <= 0) return this.count;
    return Math.max(this.count, Math.round((this.expectedChars * this.count) / this.newChars));
  }
}
