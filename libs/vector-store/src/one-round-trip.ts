import type { Connection, PoolClient, Submittable } from 'pg';

/** One statement of a round trip: values are text, binary (a Buffer) or NULL, as insertRows makes them. */
export interface Statement {
  text: string;
  values: ReadonlyArray<string | Buffer | null>;
}

/**
 * Runs `statements` in one round trip, as one implicit transaction: each is its own Parse, Bind
 * and Execute, all written at once, with one Sync after the last. PostgreSQL commits at the Sync
 * when every statement succeeded and otherwise skips what follows the failing one and rolls the
 * whole back (the extended protocol's implicit transaction), so no BEGIN or COMMIT is sent.
 *
 * Unlike one statement of data-modifying CTEs, every statement here starts (and takes its snapshot)
 * only after the one before has finished: an advisory lock taken by the first is held before the
 * second reads a row, which READ COMMITTED needs for the lock to serialize writers (a CTE's DELETE
 * would read with a snapshot taken before the lock was granted, and miss rows committed by the
 * writer it waited for).
 *
 * `onComplete` is told each statement's row count as its answer arrives. Answers every row count,
 * in order; rejects with the first error.
 */
export function inOneRoundTrip(client: PoolClient, statements: readonly Statement[], onComplete?: (index: number, rowCount: number) => void): Promise<number[]> {
  for (const { values } of statements) {
    // Checked before anything is written: a Bind that failed half-way would leave the statements
    // before it to be committed by the Sync.
    if (values.some((value) => value !== null && typeof value !== 'string' && !Buffer.isBuffer(value))) {
      throw new TypeError('a round-trip statement takes text, Buffer or null values only');
    }
  }
  return new Promise((resolve, reject) => {
    client.query(
      new RoundTrip(statements, onComplete, (error, counts) => {
        if (error) reject(error);
        else resolve(counts);
      }),
    );
  });
}

/** pg's Submittable: the client hands it the connection and routes the backend's answers to its handlers. */
class RoundTrip implements Submittable {
  private readonly counts: number[] = [];
  private settled = false;

  constructor(
    private readonly statements: readonly Statement[],
    private readonly onComplete: ((index: number, rowCount: number) => void) | undefined,
    private readonly settle: (error: Error | null, counts: number[]) => void,
  ) {}

  submit(connection: Connection): void {
    // Corked, the messages leave in one write, as pg's own Query sends its Parse/Bind/Execute/Sync.
    connection.stream.cork?.();
    try {
      for (const { text, values } of this.statements) {
        connection.parse({ name: '', text, types: [] }, true);
        connection.bind({ values: [...values] }, true);
        connection.execute({ portal: '' }, true);
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
  }

  /** The tag's last number is the row count ("INSERT 0 20", "DELETE 4", "SELECT 1"); other tags have none. */
  handleCommandComplete(message: { text: string }): void {
    const index = this.counts.length;
    const rowCount = Number(/ (\d+)$/.exec(message.text)?.[1] ?? 0);
    this.counts.push(rowCount);
    this.onComplete?.(index, rowCount);
  }

  handleEmptyQuery(): void {
    this.counts.push(0);
  }

  /** pg calls this for an ErrorResponse (the server then skips to the Sync) and for a lost connection. */
  handleError(error: Error): void {
    this.finish(error);
  }

  handleReadyForQuery(): void {
    this.finish(this.counts.length === this.statements.length ? null : new Error(`${this.counts.length} of ${this.statements.length} statements answered`));
  }

  // Rows (the lock's one) are not read: no statement here answers any the caller needs.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}

  handleCopyInResponse(connection: Connection & { sendCopyFail(message: string): void }): void {
    connection.sendCopyFail('a round trip sends no COPY data');
  }

  private finish(error: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(error, this.counts);
  }
}
