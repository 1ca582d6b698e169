import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * The machine's PostgreSQL 15 (trust auth), where the api's tables (which need no pgvector) are
 * tested under real locking and concurrency; the embedded PGlite serialises every statement and
 * so cannot show a lock or a race. PG15_URL points elsewhere.
 */
export const PG15_ADMIN_URL = process.env.PG15_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** The engines the api's database tests run on, by name. */
export const DATABASE_ENGINES = ['embedded PGlite', 'PostgreSQL 15'] as const;
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];

export interface OwnDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A database of its own on the shared server, named uniquely; `drop` removes it (and only it). */
export async function createPg15Database(label: string): Promise<OwnDatabase> {
  const name = `docingest_test_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 20)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: PG15_ADMIN_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`PostgreSQL 15 is not reachable at ${PG15_ADMIN_URL} (set PG15_URL): ${(error as Error).message}`);
  }
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG15_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new Client({ connectionString: PG15_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
