import type { Pool, PoolClient } from 'pg';

/** Runs `work` on one pooled client, given back to the pool after. */
export async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

/** Runs `work` on one pooled client in one transaction: committed when it resolves, rolled back when it throws. */
export function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Runs `work` in one transaction under an advisory lock on the table's name, after creating its
 * schema: two first users of a new table must not both run its DDL.
 */
export function underTableLock<T>(pool: Pool, table: { schema: string; qualified: string }, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ddl:${table.qualified}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${table.schema}"`);
    return work(client);
  });
}

/** Runs a table's DDL statements in one transaction, under the table's lock (underTableLock). */
export function createTableOnce(pool: Pool, table: { schema: string; qualified: string }, ddl: string[]): Promise<void> {
  return underTableLock(pool, table, async (client) => {
    for (const statement of ddl) await client.query(statement);
  });
}
