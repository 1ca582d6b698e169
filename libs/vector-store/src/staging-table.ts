import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { ChunkRow } from './chunk-row';
import { insertRows } from './insert-rows';
import { createTableOnce, underTableLock } from './transaction';

/** A replacement's id, which names its table: its creation time (epoch seconds) and a random part. */
const REPLACEMENT_ID = /^[0-9]{1,12}_[0-9a-f]{32}$/;
const TABLE_PREFIX = 'ingest_staging_';
/** What a crashed ingestion left is dropped once it is this old: no ingestion stages for a day. */
const LEFTOVER_AGE_SECONDS = 24 * 60 * 60;

/**
 * Where the chunks of a file too large to hold in memory wait until the whole file is embedded,
 * so the swap into the knowledge base's table stays one short transaction that awaits nothing
 * but the database. Holding the transaction open while embedding instead would make every other
 * query wait behind it on a one-session server (PGlite), and on any server keep a transaction
 * open for as long as an embedding API takes.
 *
 * One table per replacement, `ingest_staging_<created epoch seconds>_<random>`, created when the
 * file starts staging and dropped by the swap's transaction or by discard. A table shared by every
 * replacement kept the space of its deleted rows for good on PGlite, which has no autovacuum;
 * a dropped table gives its files back at once. The vector column has no fixed size (the swap
 * casts to the target's), and it is UNLOGGED (rows lost in a crash belong to an ingestion that
 * failed anyway). Its name has no `data_` prefix, so it can never be a knowledge base's table.
 */
export class StagingTable {
  private swept: Promise<void> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  /** A fresh replacement id; its table does not exist until create(). */
  newReplacementId(): string {
    return `${Math.floor(Date.now() / 1000)}_${randomUUID().replace(/-/g, '')}`;
  }

  /** The replacement's table, schema-qualified. */
  qualified(replacementId: string): string {
    if (!REPLACEMENT_ID.test(replacementId)) throw new Error(`not a staging replacement id: ${replacementId}`);
    return `"${this.schema}"."${TABLE_PREFIX}${replacementId}"`;
  }

  /** Creates the replacement's table; the first call of a process first drops what crashed ingestions left. */
  async create(replacementId: string): Promise<void> {
    this.swept ??= this.dropLeftovers().catch((error) => {
      this.swept = null;
      throw error;
    });
    await this.swept;
    const qualified = this.qualified(replacementId);
    await createTableOnce(this.pool, { schema: this.schema, qualified }, [
      `CREATE UNLOGGED TABLE ${qualified} (
         id BIGSERIAL PRIMARY KEY,
         text VARCHAR NOT NULL,
         metadata_ JSONB,
         node_id VARCHAR,
         embedding VECTOR,
         text_search_tsv TSVECTOR
       )`,
    ]);
  }

  /** Stages rows of a replacement with their full-text values (tsvector text in the target table's configuration; null: the swap's trigger computes it). */
  async stage(replacementId: string, rows: readonly ChunkRow[], textSearch: ReadonlyArray<string | null>): Promise<void> {
    await insertRows(this.pool, this.qualified(replacementId), rows, {
      given: { column: 'text_search_tsv', type: 'tsvector', values: textSearch },
    });
  }

  /** Moves a replacement's staged rows, in the order they were staged, into `target` and drops its table; answers how many. */
  async publish(client: PoolClient, replacementId: string, target: string): Promise<number> {
    const staged = this.qualified(replacementId);
    // ORDER BY id: a sequential scan's order is not the insertion order once a synchronized scan
    // starts mid-table. It costs little: EXPLAIN ANALYZE on PGlite sorted 2,000 staged rows in
    // memory (2.2 MB, work_mem 4 MB) and read 5,000 and 20,000 through the primary key, no sort;
    // the time is the INSERT's own (its indexes, TOAST), over 90% of the swap.
    const moved = await client.query(
      `INSERT INTO ${target} (text, metadata_, node_id, embedding, text_search_tsv)
         SELECT text, metadata_, node_id, embedding, text_search_tsv FROM ${staged} ORDER BY id`,
    );
    await client.query(`DROP TABLE ${staged}`);
    return moved.rowCount ?? 0;
  }

  async discard(replacementId: string): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.qualified(replacementId)}`);
  }

  private async dropLeftovers(): Promise<void> {
    const { rows } = await this.pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND starts_with(tablename, $2)`, [
      this.schema,
      TABLE_PREFIX,
    ]);
    const oldest = Math.floor(Date.now() / 1000) - LEFTOVER_AGE_SECONDS;
    for (const { name } of rows) {
      const replacementId = name.slice(TABLE_PREFIX.length);
      if (REPLACEMENT_ID.test(replacementId) && Number(replacementId.split('_')[0]) < oldest) await this.discard(replacementId);
    }
    // The table every replacement shared before; kept while an older version may still stage in it.
    const legacy = `"${this.schema}"."ingest_staging"`;
    await underTableLock(this.pool, { schema: this.schema, qualified: legacy }, async (client) => {
      const { rows: found } = await client.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [legacy]);
      if (!found[0].present) return;
      const { rows: busy } = await client.query(`SELECT 1 FROM ${legacy} WHERE staged_at >= now() - interval '1 day' LIMIT 1`);
      if (busy.length === 0) await client.query(`DROP TABLE ${legacy}`);
    });
  }
}

/** Rows staged in `schema` by replacements not yet swapped in or dropped: what readers never see. */
export async function stagedRows(pool: Pool, schema = 'ai'): Promise<number> {
  const { rows: tables } = await pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND starts_with(tablename, $2)`, [
    schema,
    TABLE_PREFIX,
  ]);
  let total = 0;
  for (const { name } of tables) {
    // A replacement may swap in or be dropped between the listing and its count.
    const counted = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"."${name.replace(/"/g, '""')}"`).catch(() => ({ rows: [{ n: '0' }] }));
    total += Number(counted.rows[0].n);
  }
  return total;
}
