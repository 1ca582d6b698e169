/** Ingestions in progress, so a shutdown can wait for them and then interrupt the rest. */
export class InflightIngestions {
  private readonly running = new Set<AbortController>();
  private draining = false;

  get isDraining(): boolean {
    return this.draining;
  }

  get size(): number {
    return this.running.size;
  }

  start(): AbortController {
    const controller = new AbortController();
    this.running.add(controller);
    return controller;
  }

  end(controller: AbortController): void {
    this.running.delete(controller);
  }

  /** Stops new work, waits up to `graceMs` for running ingestions, then interrupts them. */
  async drain(graceMs: number): Promise<number> {
    this.draining = true;
    const deadline = Date.now() + graceMs;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const interrupted = this.running.size;
    for (const controller of this.running) controller.abort();
    return interrupted;
  }
}
