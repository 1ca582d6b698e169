import { Pool, type PoolClient } from 'pg';

/**
 * A concurrent workload whose every answer is known in advance, to prove that many `pg`
 * clients sharing one PGlite session each see only their own results. Workers run
 * transactions (a large parameterized insert, reads inside the transaction, then commit,
 * rollback, or an error followed by rollback); readers run plain reads of fixed data through
 * simple queries, parameterized queries and a named prepared statement. Any answer that
 * differs from the expected one is recorded, never thrown, so one run reports them all.
 */
export interface LedgerShape {
  pools: number;
  connectionsPerPool: number;
  workersPerPool: number;
  readersPerPool: number;
  transactionsPerWorker: number;
  readsPerReader: number;
  /** Bytes of text per inserted row: large enough that a message arrives in several reads. */
  payloadBytes: number;
}

export interface LedgerResult {
  problems: string[];
  /** What committed, per worker, as the workers themselves counted it. */
  committed: Map<number, { rows: number; sum: number }>;
}

const FIXED_ROWS = 200;
const fixedSum = (upTo: number) => (upTo * (upTo + 1) * (2 * upTo + 1)) / 6; // Σ k² for k = 1..upTo

export async function prepareLedger(url: string): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    await pool.query('CREATE TABLE ledger (worker int NOT NULL, seq int NOT NULL, amount int NOT NULL, payload text NOT NULL, PRIMARY KEY (worker, seq))');
    await pool.query(`CREATE TABLE fixed (k int PRIMARY KEY, v int NOT NULL); INSERT INTO fixed SELECT k, k * k FROM generate_series(1, ${FIXED_ROWS}) AS k`);
  } finally {
    await pool.end();
  }
}

export async function runLedgerWorkload(url: string, shape: LedgerShape): Promise<LedgerResult> {
  const problems: string[] = [];
  const committed = new Map<number, { rows: number; sum: number }>();
  const pools = Array.from({ length: shape.pools }, () => new Pool({ connectionString: url, max: shape.connectionsPerPool, query_timeout: 30_000 }));
  // A pool reports a client that dies while idle here; the workload must not crash on it.
  pools.forEach((pool) => pool.on('error', (error) => problems.push(`pool error: ${error.message}`)));
  try {
    const tasks = pools.flatMap((pool, p) => [
      ...Array.from({ length: shape.workersPerPool }, (_, w) => runWorker(pool, p * 100 + w, shape, problems, committed)),
      ...Array.from({ length: shape.readersPerPool }, (_, r) => runReader(pool, `reader ${p}.${r}`, shape.readsPerReader, problems)),
    ]);
    await Promise.all(tasks);
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
  return { problems, committed };
}

function expectEqual(problems: string[], what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

async function runWorker(pool: Pool, worker: number, shape: LedgerShape, problems: string[], committed: LedgerResult['committed']): Promise<void> {
  const done = { rows: 0, sum: 0 };
  committed.set(worker, done);
  for (let seq = 0; seq < shape.transactionsPerWorker; seq++) {
    const at = `worker ${worker} seq ${seq}`;
    const amount = worker * 1000 + seq;
    const outcome = (['commit', 'commit', 'rollback', 'error'] as const)[seq % 4];
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO ledger VALUES ($1, $2, $3, $4)', [worker, seq, amount, 'x'.repeat(shape.payloadBytes + seq)]);
      const inside = await client.query('SELECT count(*)::int AS rows, coalesce(sum(amount), 0)::int AS sum FROM ledger WHERE worker = $1', [worker]);
      expectEqual(problems, `${at} inside`, inside.rows, [{ rows: done.rows + 1, sum: done.sum + amount }]);
      const own = await client.query('SELECT length(payload) AS bytes FROM ledger WHERE worker = $1 AND seq = $2', [worker, seq]);
      expectEqual(problems, `${at} own row`, own.rows, [{ bytes: shape.payloadBytes + seq }]);
      if (outcome === 'error') await expectDivisionByZero(client, at, problems);
      if (outcome === 'commit') {
        await client.query('COMMIT');
        done.rows += 1;
        done.sum += amount;
      } else {
        await client.query('ROLLBACK');
      }
    } catch (error) {
      broken = error as Error;
      problems.push(`${at}: ${broken.message}`);
      await client.query('ROLLBACK').catch(() => undefined);
    } finally {
      client.release(broken); // a client that failed oddly is discarded, not reused
    }
    try {
      const after = await pool.query('SELECT count(*)::int AS rows, coalesce(sum(amount), 0)::int AS sum FROM ledger WHERE worker = $1', [worker]);
      expectEqual(problems, `${at} after ${outcome}`, after.rows, [{ ...done }]);
    } catch (error) {
      problems.push(`${at} after: ${(error as Error).message}`);
    }
  }
}

async function expectDivisionByZero(client: PoolClient, at: string, problems: string[]): Promise<void> {
  try {
    await client.query('SELECT 1 / ($1::int - $1::int) AS never', [1]);
    problems.push(`${at}: division by zero did not fail`);
  } catch (error) {
    if (!/division by zero/.test((error as Error).message)) problems.push(`${at}: expected division by zero, got ${(error as Error).message}`);
  }
  try {
    await client.query('SELECT 1');
    problems.push(`${at}: a failed transaction accepted another statement`);
  } catch (error) {
    if (!/current transaction is aborted/.test((error as Error).message)) problems.push(`${at}: expected an aborted transaction, got ${(error as Error).message}`);
  }
}

async function runReader(pool: Pool, name: string, reads: number, problems: string[]): Promise<void> {
  for (let i = 0; i < reads; i++) {
    const k = 1 + ((i * 37 + name.length * 11) % FIXED_ROWS);
    const at = `${name} read ${i}`;
    try {
      switch (i % 3) {
        case 0: {
          // No parameters: `pg` sends a simple Query.
          const { rows } = await pool.query(`SELECT count(*)::int AS n, sum(v)::int AS s FROM fixed WHERE k <= ${k}`);
          expectEqual(problems, at, rows, [{ n: k, s: fixedSum(k) }]);
          break;
        }
        case 1: {
          const { rows } = await pool.query('SELECT k, v FROM fixed WHERE k > $1 AND k <= $1 + 3 ORDER BY k', [k]);
          const expected = [k + 1, k + 2, k + 3].filter((n) => n <= FIXED_ROWS).map((n) => ({ k: n, v: n * n }));
          expectEqual(problems, at, rows, expected);
          break;
        }
        case 2: {
          // Every connection prepares the same name: each must get its own statement.
          const { rows } = await pool.query({ name: 'fixed-by-k', text: 'SELECT v FROM fixed WHERE k = $1', values: [k] });
          expectEqual(problems, at, rows, [{ v: k * k }]);
          break;
        }
      }
    } catch (error) {
      problems.push(`${at}: ${(error as Error).message}`);
    }
  }
}
