import type { Pool, PoolClient } from 'pg';
import type { ChunkRow } from './chunk-row';
import { insertRows } from './insert-rows';
import { tsvectorSql, type TextSearchConfig } from './text-search';
import { createTableOnce } from './transaction';

/**
 * Where the chunks of a file too large to hold in memory wait until the whole file is embedded,
 * so the swap into the knowledge base's table stays one short transaction that awaits nothing
 * but the database. Holding the transaction open while embedding instead would make every other
 * query wait behind it on a one-session server (PGlite), and on any server keep a transaction
 * open for as long as an embedding API takes.
 *
 * One table per schema for every knowledge base: the vector column has no fixed size (the swap
 * casts to the target's), rows are told apart by their replacement id, and it is UNLOGGED (rows
 * lost in a crash belong to an ingestion that failed anyway). Its name has no `data_` prefix, so
 * it can never be a knowledge base's table.
 */
export class StagingTable {
  readonly qualified: string;
  private ready: Promise<void> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {
    this.qualified = `"${schema}"."ingest_staging"`;
  }

  /** Creates the table once per process and drops what crashed ingestions left a day ago or more. */
  ensure(): Promise<void> {
    this.ready ??= this.create().catch((error) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  /** Stages rows of a replacement, with their full-text value in the target table's configuration. */
  async stage(replacementId: string, rows: readonly ChunkRow[], textSearch: TextSearchConfig): Promise<void> {
    await insertRows(this.pool, this.qualified, rows, {
      leading: { columns: ['replacement_id'], values: [replacementId] },
      computed: { column: 'text_search_tsv', fromText: (text) => tsvectorSql(textSearch, text) },
    });
  }

  /** Moves a replacement's staged rows, in the order they were staged, into `target`; answers how many. */
  async publish(client: PoolClient, replacementId: string, target: string): Promise<number> {
    const moved = await client.query(
      `INSERT INTO ${target} (text, metadata_, node_id, embedding, text_search_tsv)
         SELECT text, metadata_, node_id, embedding, text_search_tsv FROM ${this.qualified} WHERE replacement_id = $1 ORDER BY id`,
      [replacementId],
    );
    await client.query(`DELETE FROM ${this.qualified} WHERE replacement_id = $1`, [replacementId]);
    return moved.rowCount ?? 0;
  }

  async discard(replacementId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.qualified} WHERE replacement_id = $1`, [replacementId]);
  }

  private async create(): Promise<void> {
    await createTableOnce(this.pool, { schema: this.schema, qualified: this.qualified }, [
      `CREATE UNLOGGED TABLE IF NOT EXISTS ${this.qualified} (
         id BIGSERIAL PRIMARY KEY,
         replacement_id UUID NOT NULL,
         text VARCHAR NOT NULL,
         metadata_ JSONB,
         node_id VARCHAR,
         embedding VECTOR,
         text_search_tsv TSVECTOR,
         staged_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX IF NOT EXISTS "ingest_staging_replacement_idx" ON ${this.qualified} (replacement_id)`,
      // Staging tables made before the full-text value was staged.
      `ALTER TABLE ${this.qualified} ADD COLUMN IF NOT EXISTS text_search_tsv TSVECTOR`,
    ]);
    await this.pool.query(`DELETE FROM ${this.qualified} WHERE staged_at < now() - interval '1 day'`);
  }
}
