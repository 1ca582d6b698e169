/** How a wait for the session ended. */
export type WaitOutcome = 'granted' | 'timed-out' | 'cancelled';

/**
 * PGlite is one Postgres session. This lock hands it to one connection at a time, first come
 * first served; the holder may take it again without waiting (it keeps it through a
 * transaction), everyone else queues — for at most the wait limit, or until a cancel request.
 */
export class SessionLock {
  private holder: number | null = null;
  private readonly waiters: Array<{ owner: number; settle: (outcome: WaitOutcome) => void }> = [];
  private readonly watchers = new Set<() => void>();

  get owner(): number | null {
    return this.holder;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Resolves 'granted' once `owner` holds the session; without a limit it waits as long as it takes. */
  acquire(owner: number, limitMs?: number): Promise<WaitOutcome> {
    if (this.holder === owner) return Promise.resolve('granted');
    if (this.holder === null) {
      this.holder = owner;
      this.changed();
      return Promise.resolve('granted');
    }
    return new Promise<WaitOutcome>((resolve) => {
      const timer = limitMs === undefined ? undefined : setTimeout(() => this.stopWaiting(owner, 'timed-out'), limitMs);
      this.waiters.push({
        owner,
        settle: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      });
    });
  }

  /** Ends `owner`'s wait with `outcome`; false when it was not waiting. */
  stopWaiting(owner: number, outcome: Exclude<WaitOutcome, 'granted'>): boolean {
    const index = this.waiters.findIndex((w) => w.owner === owner);
    if (index < 0) return false;
    const [waiter] = this.waiters.splice(index, 1);
    waiter.settle(outcome);
    return true;
  }

  release(owner: number): void {
    if (this.holder !== owner) return;
    const next = this.waiters.shift();
    this.holder = next ? next.owner : null;
    next?.settle('granted');
    this.changed();
  }

  /** Resolves at the next change of hands, or when the holder says its state changed. */
  nextChange(): Promise<void> {
    return new Promise((resolve) => {
      const watcher = () => {
        this.watchers.delete(watcher);
        resolve();
      };
      this.watchers.add(watcher);
    });
  }

  /** Wakes everyone waiting in nextChange(). */
  changed(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}
