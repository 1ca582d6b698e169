import type { Pool, PoolClient } from 'pg';
import { DimensionMismatchError, type ChunkRow, type FileScope, type SearchFilters, type StoredHit } from './chunk-row';
import { FileChunkWriter, type FileChunkWriterOptions, type ReplaceResult } from './file-chunk-writer';
import { FullTextValues } from './full-text-values';
import { insertStatement } from './insert-rows';
import { DEFAULT_EF_SEARCH, DEFAULT_EXACT_MAX_ROWS, nearestQuery, validNearestSettings, type NearestSettings } from './nearest-query';
import { StagingTable } from './staging-table';
import { ensureTextSearchColumn, orQuerySql, reciprocalRankFusion, setUpTextSearch, textSearchConfig, type TextSearchConfig } from './text-search';
import { StoredEmbeddings } from './stored-embeddings';
import { metadataText, STORED_METADATA_KEYS } from './stored-metadata';
import { inOneRoundTrip, type Statement } from './one-round-trip';
import { inTransaction, underTableLock, withClient } from './transaction';
import { vectorTable, type VectorTable } from './vector-table';

export type { ReplaceResult };

/** `vector`: nearest by cosine; `text`: full-text match ranked by ts_rank; `hybrid`: both, fused by reciprocal rank. */
export type SearchMode = 'vector' | 'text' | 'hybrid';

export interface SearchOptions {
  mode?: SearchMode;
  /** The query's words: what `text` and `hybrid` match against the full-text column. */
  text?: string;
  /** The text search configuration the table's full-text column is built with (when it is added) and the query is parsed with. */
  textSearchConfig?: TextSearchConfig;
}

/** PostgreSQL's SQLSTATE for a relation that does not exist. */
const UNDEFINED_TABLE = '42P01';
/** Candidates each side brings to hybrid fusion: enough that a chunk ranked well by one side is seen. */
const HYBRID_CANDIDATES = (topK: number) => Math.max(topK * 4, 20);

export interface VectorStoreOptions {
  schema?: string;
  /** Rows per INSERT statement. */
  insertBatchRows?: number;
  /**
   * `hnsw`: the table gets a cosine HNSW index once it holds `indexMinRows` rows (what readers
   * at scale need). `none`: never; search stays exact.
   */
  index?: 'hnsw' | 'none';
  /**
   * Rows a table holds before its HNSW index is built (default 20,000; 0: with the table).
   * Below it, search is exact (a scan: the same or better results than the index gives) and
   * inserts skip index maintenance, which on PGlite costs about 6 ms a row, 30 times the insert.
   * The index is built once, in the background, after the commit that reaches the threshold.
   */
  indexMinRows?: number;
  /** hnsw.ef_search of a search through the index (1-1000, default 200): see NearestSettings. */
  efSearch?: number;
  /** A search whose filters match at most this many rows is exact (default 10,000; 0: the planner decides): see nearestQuery. */
  exactMaxRows?: number;
}

export const DEFAULT_INDEX_MIN_ROWS = 20_000;

const { fileUuid: FILE_KEY, knowledgebaseId: KB_KEY, teamId: TEAM_KEY } = STORED_METADATA_KEYS;
const FILE_SCOPE = `${metadataText(FILE_KEY)} = $1 AND ${metadataText(KB_KEY)} = $2`;

export class VectorStore {
  private readonly schema: string;
  private readonly batchRows: number;
  private readonly index: 'hnsw' | 'none';
  private readonly indexMinRows: number;
  private readonly nearest: NearestSettings;
  private readonly ensured = new Map<string, number>();
  /** Tables known to have their full-text column, with its configuration. */
  private readonly textSearchConfigs = new Map<string, TextSearchConfig>();
  /** Tables known to have their vector index, index builds (or checks) under way, rows this store inserted since a table's last check. */
  private readonly indexed = new Set<string>();
  private readonly indexBuilds = new Map<string, Promise<void>>();
  /** Tables a search found an HNSW index on (kept apart from `indexed`: a table indexed before the knowledge-base index existed still gets that on its next write). */
  private readonly searchedWithIndex = new Set<string>();
  private readonly insertedSinceCheck = new Map<string, number>();
  private readonly staging: StagingTable;
  private readonly fullText: FullTextValues;

  constructor(
    private readonly pool: Pool,
    options: VectorStoreOptions = {},
  ) {
    this.schema = options.schema ?? 'ai';
    this.batchRows = options.insertBatchRows ?? 250;
    this.index = options.index ?? 'hnsw';
    this.indexMinRows = options.indexMinRows ?? DEFAULT_INDEX_MIN_ROWS;
    this.nearest = validNearestSettings({ efSearch: options.efSearch ?? DEFAULT_EF_SEARCH, exactMaxRows: options.exactMaxRows ?? DEFAULT_EXACT_MAX_ROWS });
    this.staging = new StagingTable(pool, this.schema);
    this.fullText = new FullTextValues(pool);
  }

  table(name: string): VectorTable {
    return vectorTable(name, this.schema);
  }

  /** Dimensions of the table's embedding column, or null when the table does not exist. */
  async tableDimensions(name: string): Promise<number | null> {
    const table = this.table(name);
    const { rows } = await this.pool.query<{ dims: number }>(
      `SELECT a.atttypmod AS dims FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = 'embedding' AND NOT a.attisdropped`,
      [table.schema, table.unqualified],
    );
    return rows.length ? Number(rows[0].dims) : null;
  }

  /**
   * Creates the table (and its indexes) when missing; refuses a model whose dimension differs.
   * A table made before the full-text column existed gets it here (with `textSearch`, default
   * 'english').
   */
  async ensureTable(name: string, dimensions: number, textSearch: TextSearchConfig = 'english'): Promise<VectorTable> {
    const table = this.table(name);
    const config = textSearchConfig(textSearch);
    const known = this.ensured.get(table.qualified) ?? (await this.tableDimensions(name));
    if (known !== null && known !== undefined) {
      if (known !== dimensions) throw new DimensionMismatchError(table.qualified, known, dimensions);
      this.ensured.set(table.qualified, known);
      await this.ensureTextSearch(table, config);
      return table;
    }
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 16000) {
      throw new Error(`invalid embedding dimension ${dimensions}`);
    }
    const ddl = [
      `CREATE TABLE IF NOT EXISTS ${table.qualified} (
         id BIGSERIAL PRIMARY KEY,
         text VARCHAR NOT NULL,
         metadata_ JSONB,
         node_id VARCHAR,
         embedding VECTOR(${dimensions})
       )`,
      `CREATE INDEX IF NOT EXISTS "${table.unqualified}_file_idx" ON ${table.qualified}
         ((${metadataText(FILE_KEY)}), (${metadataText(KB_KEY)}))`,
      ...(this.index === 'hnsw' && this.indexMinRows === 0 ? [vectorIndexDdl(table)] : []),
    ];
    const tableConfig = await underTableLock(this.pool, table, async (client) => {
      for (const statement of ddl) await client.query(statement);
      return setUpTextSearch(client, table, config);
    });
    const actual = await this.tableDimensions(name);
    if (actual !== dimensions) throw new DimensionMismatchError(table.qualified, actual ?? 0, dimensions);
    this.ensured.set(table.qualified, dimensions);
    this.textSearchConfigs.set(table.qualified, tableConfig);
    return table;
  }

  /** Gives the table its full-text column when it has none yet; answers the table's configuration. */
  private async ensureTextSearch(table: VectorTable, config: TextSearchConfig): Promise<TextSearchConfig> {
    const known = this.textSearchConfigs.get(table.qualified);
    if (known) return known;
    const actual = await ensureTextSearchColumn(this.pool, table, config);
    this.textSearchConfigs.set(table.qualified, actual);
    return actual;
  }

  /**
   * Replaces a file's chunks in one knowledge base in one transaction: readers see the old set
   * or the new one, never both. Concurrent replacements of the same file queue on a lock. The
   * lock, the DELETE and the INSERTs go in one round trip (inOneRoundTrip), not five.
   * `textSearch`: the rows' full-text values computed ahead; without them they are put together
   * here first (see FullTextValues), a value that cannot be left to the table's trigger.
   */
  async replaceFileChunks(
    name: string,
    scope: FileScope,
    rows: ChunkRow[],
    onProgress?: (stored: number) => void,
    onSwapOpened?: FileChunkWriterOptions['onSwapOpened'],
    textSearch?: ReadonlyArray<string | null>,
  ): Promise<ReplaceResult> {
    textSearch ??= await this.textSearchValues(
      name,
      rows.map((row) => row.text),
    ).catch(() => undefined);
    const table = this.table(name);
    const statements = [fileLockStatement(table, scope), fileDeleteStatement(table, scope)];
    for (let start = 0; start < rows.length; start += this.batchRows) {
      const end = start + this.batchRows;
      // Values computed ahead are handed in; a null one the table's trigger computes.
      const given = textSearch ? { column: 'text_search_tsv', type: 'tsvector', values: textSearch.slice(start, end) } : undefined;
      statements.push(insertStatement(table.qualified, rows.slice(start, end), { given }));
    }
    let inserted = 0;
    const counts = await withClient(this.pool, (client) =>
      inOneRoundTrip(client, statements, (index, count) => {
        // The lock is answered: the round trip's implicit transaction is open and holds the file's lock.
        if (index === 0) onSwapOpened?.({ rows: rows.length, staged: false });
        if (index < 2) return; // the lock and the DELETE
        inserted += count;
        onProgress?.(inserted);
      }),
    );
    if (inserted > 0) this.indexWhenLarge(table, inserted);
    return { deleted: counts[1], inserted };
  }

  /** The full-text values of `texts`, in order, in the table's configuration: what its trigger would compute (see FullTextValues). */
  private async textSearchValues(name: string, texts: readonly string[]): Promise<string[]> {
    const config = await this.ensureTextSearch(this.table(name), 'english');
    return this.fullText.values(config, texts);
  }

  /**
   * The same replacement for rows that arrive over time (a file embedded as it is read): see
   * FileChunkWriter. A file of at most `memoryRows` rows is stored exactly as replaceFileChunks
   * stores it; a larger one is staged in slices and swapped in at commit.
   */
  fileChunkWriter(name: string, scope: FileScope, options: FileChunkWriterOptions): FileChunkWriter {
    this.table(name); // refuse a bad name before any row is taken
    return new FileChunkWriter(
      this.staging,
      {
        replaceFileChunks: (rows, onProgress, textSearch) => this.replaceFileChunks(name, scope, rows, onProgress, options.onSwapOpened, textSearch),
        textSearchValues: (texts) => this.textSearchValues(name, texts),
        // Staged with the values the writer put together as it queued the slice: the swap only copies them.
        stage: (replacementId, rows, textSearch) => this.staging.stage(replacementId, rows, textSearch),
        publishStaged: (replacementId, expected) =>
          this.inFileTransaction(
            name,
            scope,
            () => options.onSwapOpened?.({ rows: expected, staged: true }),
            async (client, table) => {
              const moved = await this.staging.publish(client, replacementId, table.qualified);
              if (moved !== expected) throw new Error(`staged ${expected} rows for ${table.qualified} but found ${moved}: the replacement is abandoned`);
              return moved;
            },
          ),
        storedEmbeddings: () => this.storedEmbeddings(name, scope),
      },
      scope,
      { sliceRows: this.batchRows, ...options },
    );
  }

  /**
   * Deletes the file's rows and runs `insert` in one transaction, under the file's lock; `opened`
   * is told once the transaction holds the lock, before the old rows go.
   */
  private async inFileTransaction(
    name: string,
    scope: FileScope,
    opened: () => void,
    insert: (client: PoolClient, table: VectorTable) => Promise<number>,
  ): Promise<ReplaceResult> {
    const table = this.table(name);
    const result = await inTransaction(this.pool, async (client) => {
      const lock = fileLockStatement(table, scope);
      await client.query(lock.text, [...lock.values]);
      opened();
      const remove = fileDeleteStatement(table, scope);
      const deleted = await client.query(remove.text, [...remove.values]);
      const inserted = await insert(client, table);
      return { deleted: deleted.rowCount ?? 0, inserted };
    });
    if (result.inserted > 0) this.indexWhenLarge(table, result.inserted);
    return result;
  }

  /**
   * Starts the vector index's build when the table has reached `indexMinRows` rows and has no
   * index yet. It runs in the background: the rows are committed and searchable (exactly) already.
   * The table is looked at after its first commit here, then again only once this store has
   * inserted another 5% of the threshold (the look reads up to `indexMinRows` rows). A failed build
   * (another process built it at the same moment, the database went away) is tried again later.
   */
  private indexWhenLarge(table: VectorTable, inserted: number): void {
    if (this.index !== 'hnsw' || this.indexed.has(table.qualified) || this.indexBuilds.has(table.qualified)) return;
    const since = this.insertedSinceCheck.get(table.qualified);
    if (since !== undefined && since + inserted < this.indexMinRows / 20) {
      this.insertedSinceCheck.set(table.qualified, since + inserted);
      return;
    }
    this.insertedSinceCheck.set(table.qualified, 0);
    const build = (async () => {
      const { rows } = await this.pool.query<{ indexed: boolean; large: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexdef LIKE '%USING hnsw%')
                  AND EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexname = left($4, 63)) AS indexed,
                EXISTS (SELECT 1 FROM ${table.qualified} OFFSET $3) AS large`,
        [table.schema, table.unqualified, Math.max(0, this.indexMinRows - 1), knowledgeBaseIndexName(table)],
      );
      if (rows[0].indexed) this.indexed.add(table.qualified);
      else if (rows[0].large) await this.buildVectorIndex(table.name);
    })()
      .catch(() => undefined)
      .finally(() => this.indexBuilds.delete(table.qualified));
    this.indexBuilds.set(table.qualified, build);
  }

  /**
   * Builds the table's HNSW index now (if missing), and the knowledge-base index an exact search
   * of a small knowledge base reads its rows through (nearestQuery), then ANALYZEs the table. Without statistics
   * the planner guesses that a knowledge-base filter keeps a few dozen rows and sorts those
   * exactly rather than walk the index, so search stayed a scan; PGlite has no autovacuum to
   * gather them, and on a server the next autovacuum may be a while away.
   */
  async buildVectorIndex(name: string): Promise<void> {
    const table = this.table(name);
    await this.pool.query(vectorIndexDdl(table));
    await this.pool.query(`CREATE INDEX IF NOT EXISTS "${knowledgeBaseIndexName(table)}" ON ${table.qualified} ((${metadataText(KB_KEY)}))`);
    await this.pool.query(`ANALYZE ${table.qualified}`);
    this.indexed.add(table.qualified);
  }

  /** Resolves when no vector index build of the table is under way (for tests and the benchmark). */
  async indexBuilt(name: string): Promise<void> {
    await this.indexBuilds.get(this.table(name).qualified);
  }

  /**
   * The vectors the file's stored chunks have, found by embedding hash (see StoredEmbeddings): what
   * a re-ingestion reuses instead of embedding unchanged text again. Empty when the table does not exist.
   */
  async storedEmbeddings(name: string, scope: FileScope): Promise<StoredEmbeddings> {
    // Asked on every ingestion, mostly of a table that exists: its absence is learnt from the
    // lookup's own error rather than from one more round trip ahead of it.
    try {
      return await StoredEmbeddings.open(this.pool, this.table(name), scope);
    } catch (error) {
      if ((error as { code?: string }).code === UNDEFINED_TABLE) return StoredEmbeddings.none();
      throw error;
    }
  }

  /** Deletes a file's chunks in one knowledge base; answers how many rows went. */
  async deleteFileChunks(name: string, scope: FileScope): Promise<number> {
    const table = this.table(name);
    if ((await this.tableDimensions(name)) === null) return 0;
    const result = await this.pool.query(`DELETE FROM ${table.qualified} WHERE ${FILE_SCOPE}`, [scope.fileUuid, scope.knowledgebaseId]);
    return result.rowCount ?? 0;
  }

  async countFileChunks(name: string, scope: FileScope): Promise<number> {
    const table = this.table(name);
    if ((await this.tableDimensions(name)) === null) return 0;
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table.qualified} WHERE ${FILE_SCOPE}`, [scope.fileUuid, scope.knowledgebaseId]);
    return Number(rows[0].n);
  }

  /**
   * The `topK` chunks best matching the query, within the filters. `vector` (the default): nearest
   * to `embedding` by cosine distance: exact when the table has no HNSW index or the filters match at
   * most `exactMaxRows` rows, else through the index (see nearestQuery).
   * `text`: chunks sharing words with `query` in the full-text column, by ts_rank. `hybrid`: the
   * two lists fused by reciprocal rank (k = 60), each side bringing max(4 topK, 20) candidates.
   */
  async search(name: string, embedding: ArrayLike<number> | null, filters: SearchFilters, topK: number, options: SearchOptions = {}): Promise<StoredHit[]> {
    const mode = options.mode ?? 'vector';
    const table = this.table(name);
    if ((await this.tableDimensions(name)) === null) return [];
    if (mode === 'vector') return this.vectorHits(table, requireEmbedding(embedding), filters, topK);
    const config = textSearchConfig(options.textSearchConfig ?? 'english');
    await this.ensureTextSearch(table, config);
    const text = options.text;
    if (text === undefined) throw new Error(`a ${mode} search needs the query's text`);
    if (mode === 'text') return this.textHits(table, text, config, filters, topK);
    const candidates = HYBRID_CANDIDATES(topK);
    const [byVector, byText] = await Promise.all([
      this.vectorHits(table, requireEmbedding(embedding), filters, candidates),
      this.textHits(table, text, config, filters, candidates),
    ]);
    return reciprocalRankFusion([byVector, byText], (hit) => hit.nodeId)
      .slice(0, topK)
      .map(({ item, score }) => ({ ...item, score }));
  }

  /** See nearestQuery: exact when the filters match few rows, else through the HNSW index when the table has one. */
  private async vectorHits(table: VectorTable, embedding: ArrayLike<number>, filters: SearchFilters, topK: number): Promise<StoredHit[]> {
    const { rows } = await inTransaction(this.pool, async (client) => {
      const query = await this.nearestQuery(client, table, embedding, filters, topK);
      for (const statement of query.setup) await client.query(statement);
      return client.query<HitRow>(query.sql, query.params);
    });
    return rows.map(toHit);
  }

  /** The plan PostgreSQL picks for a vector search (EXPLAIN's lines): whether it walks the HNSW index, scans, or is made exact. */
  async vectorSearchPlan(name: string, embedding: ArrayLike<number>, filters: SearchFilters, topK: number): Promise<string[]> {
    const table = this.table(name);
    const { rows } = await inTransaction(this.pool, async (client) => {
      const query = await this.nearestQuery(client, table, embedding, filters, topK);
      for (const statement of query.setup) await client.query(statement);
      return client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query.sql}`, query.params);
    });
    return rows.map((row) => row['QUERY PLAN']);
  }

  private nearestQuery(client: PoolClient, table: VectorTable, embedding: ArrayLike<number>, filters: SearchFilters, topK: number) {
    return nearestQuery(
      client,
      table,
      embedding,
      (params) => filterSql(filters, params),
      topK,
      this.nearest,
      () => this.hasVectorIndex(client, table),
    );
  }

  /** Whether the table has its HNSW index; once seen, remembered (an index is not dropped by the service). */
  private async hasVectorIndex(client: PoolClient, table: VectorTable): Promise<boolean> {
    if (this.indexed.has(table.qualified) || this.searchedWithIndex.has(table.qualified)) return true;
    const { rows } = await client.query(`SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexdef LIKE '%USING hnsw%'`, [
      table.schema,
      table.unqualified,
    ]);
    if (rows.length) this.searchedWithIndex.add(table.qualified);
    return rows.length > 0;
  }

  private async textHits(table: VectorTable, text: string, config: TextSearchConfig, filters: SearchFilters, topK: number): Promise<StoredHit[]> {
    const params: unknown[] = [config, text];
    const where = [`text_search_tsv @@ q.query`, ...filterSql(filters, params)];
    params.push(topK);
    const { rows } = await this.pool.query<HitRow>(
      `SELECT node_id, text, metadata_, ts_rank(text_search_tsv, q.query) AS score
         FROM ${table.qualified}, (SELECT ${orQuerySql('$1', '$2')} AS query) q
        WHERE ${where.join(' AND ')}
        ORDER BY score DESC, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toHit);
  }
}

interface HitRow {
  node_id: string;
  text: string;
  metadata_: Record<string, unknown>;
  score: number;
}

const toHit = (r: HitRow): StoredHit => ({ nodeId: r.node_id, text: r.text, metadata: r.metadata_, score: Number(r.score) });

function requireEmbedding(embedding: ArrayLike<number> | null): ArrayLike<number> {
  if (!embedding) throw new Error("a vector search needs the query's embedding");
  return embedding;
}

/** The metadata filters as WHERE terms, their values appended to `params`. */
function filterSql(filters: SearchFilters, params: unknown[]): string[] {
  const where: string[] = [];
  const filter = (key: Parameters<typeof metadataText>[0], value: string | number | undefined) => {
    if (value === undefined) return;
    params.push(String(value));
    where.push(`${metadataText(key)} = $${params.length}`);
  };
  filter(KB_KEY, filters.knowledgebaseId);
  filter(FILE_KEY, filters.fileUuid);
  filter(TEAM_KEY, filters.teamId);
  return where;
}

/** The lock every replacement of the file takes first, so that they follow one another. */
function fileLockStatement(table: VectorTable, scope: FileScope): Statement {
  return { text: 'SELECT pg_advisory_xact_lock(hashtext($1))', values: [`${table.qualified}:${scope.knowledgebaseId}:${scope.fileUuid}`] };
}

function fileDeleteStatement(table: VectorTable, scope: FileScope): Statement {
  return { text: `DELETE FROM ${table.qualified} WHERE ${FILE_SCOPE}`, values: [scope.fileUuid, scope.knowledgebaseId] };
}

function vectorIndexDdl(table: VectorTable): string {
  return `CREATE INDEX IF NOT EXISTS "${table.unqualified}_embedding_idx" ON ${table.qualified} USING hnsw (embedding vector_cosine_ops)`;
}

/** The knowledge-base btree index's name, as PostgreSQL stores it (identifiers are cut at 63 bytes). */
function knowledgeBaseIndexName(table: VectorTable): string {
  return `${table.unqualified}_kb_idx`.slice(0, 63);
}
