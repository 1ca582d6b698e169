/**
 * PGlite is one Postgres session. This lock hands it to one connection at a time, first come
 * first served; the holder may take it again without waiting (it keeps it through a
 * transaction), everyone else queues.
 */
export class SessionLock {
  private holder: number | null = null;
  private readonly waiters: Array<{ owner: number; grant: () => void }> = [];

  get owner(): number | null {
    return this.holder;
  }

  get queued(): number {
    return this.waiters.length;
  }

  async acquire(owner: number): Promise<void> {
    if (this.holder === owner) return;
    if (this.holder === null) {
      this.holder = owner;
      return;
    }
    await new Promise<void>((grant) => this.waiters.push({ owner, grant }));
  }

  release(owner: number): void {
    if (this.holder !== owner) return;
    const next = this.waiters.shift();
    this.holder = next ? next.owner : null;
    next?.grant();
  }
}
