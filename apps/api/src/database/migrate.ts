import { join } from 'node:path';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = join(__dirname, '../../migrations');

/**
 * Another instance is migrating the same database right now. node-pg-migrate refuses at once
 * when its advisory lock is taken (real PostgreSQL); where every connection shares one session
 * (the embedded PGlite) the lock excludes nobody and the loser's DDL fails instead ("already
 * exists", or the migrations table's own insert). Either way the other instance finishes the job.
 */
function lostMigrationRace(error: unknown): boolean {
  const e = error as { message?: string; code?: string; cause?: { code?: string } };
  if (/Another migration is already running/.test(e.message ?? '')) return true;
  const code = e.code ?? e.cause?.code;
  return code === '42P07' || code === '42710' || code === '23505' || /already exists/.test(e.message ?? '');
}

/**
 * Applies every pending migration; a database already up to date is left as it is. Several api
 * instances starting together (Cloud Run scaling out, a rollout) each call this: one applies the
 * migrations, the others wait for it and then find nothing to do.
 */
export async function migrate(databaseUrl: string, log: (message: string) => void = () => undefined, waitMs = 120_000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    try {
      const applied = await runner({
        databaseUrl,
        dir: MIGRATIONS_DIR,
        direction: 'up',
        migrationsTable: 'pgmigrations',
        count: Infinity,
        singleTransaction: true,
        log,
      });
      return applied.map((m) => m.name);
    } catch (error) {
      if (!lostMigrationRace(error) || Date.now() + delay > deadline) throw error;
      log(`another instance is migrating this database; trying again in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
