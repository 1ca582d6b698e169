/** GCS generations: microseconds since the epoch, strictly increasing within this server. */
export class GenerationClock {
  private last = 0;

  next(): string {
    this.last = Math.max(Date.now() * 1000, this.last + 1);
    return String(this.last);
  }
}
