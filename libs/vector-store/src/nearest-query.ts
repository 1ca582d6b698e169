import type { PoolClient } from 'pg';
import { encodeVector } from './vector-binary';
import type { VectorTable } from './vector-table';

/** How a vector search reads the table: the search settings of VectorStoreOptions. */
export interface NearestSettings {
  /**
   * hnsw.ef_search: candidates the HNSW walk keeps. pgvector's default, 40, found 0.49 of the
   * exact top 10 on the bench's random vectors at 20,000 rows (docs/decisions.md).
   */
  efSearch: number;
  /** A search whose filters match at most this many rows is exact, index or not (0: never forced). */
  exactMaxRows: number;
}

export const DEFAULT_EF_SEARCH = 200;
export const DEFAULT_EXACT_MAX_ROWS = 10_000;
/** pgvector's bounds for hnsw.ef_search. */
export const EF_SEARCH_RANGE = { min: 1, max: 1000 } as const;

export function validNearestSettings(settings: NearestSettings): NearestSettings {
  const { efSearch, exactMaxRows } = settings;
  if (!Number.isInteger(efSearch) || efSearch < EF_SEARCH_RANGE.min || efSearch > EF_SEARCH_RANGE.max) {
    throw new RangeError(`efSearch ${efSearch}: hnsw.ef_search is a whole number from ${EF_SEARCH_RANGE.min} to ${EF_SEARCH_RANGE.max}`);
  }
  if (!Number.isInteger(exactMaxRows) || exactMaxRows < 0) throw new RangeError(`exactMaxRows ${exactMaxRows}: a whole number, 0 or more`);
  return settings;
}

export interface NearestQuery {
  /** Run before `sql`, in the same transaction. */
  setup: string[];
  sql: string;
  params: unknown[];
  exact: boolean;
}

/**
 * The vector search as one statement, its filters given as WHERE terms over `params` (which
 * start at $2; $1 is the query vector). When the table has an HNSW index and the filters match
 * at most `exactMaxRows` rows (counted, stopping past the bound), the search is exact: the
 * distances are computed over the matching rows in a MATERIALIZED CTE, which no index can order,
 * so the planner cannot pick the HNSW walk. That walk applies the filters to the rows it yields,
 * so a knowledge base holding a small share of a shared table got neighbours that were not its
 * nearest; its exact search reads only its own rows (through the knowledge-base index) and costs
 * what a table below VECTOR_INDEX_MIN_ROWS costs anyway.
 * Otherwise the index is walked (when the planner takes it) with hnsw.ef_search set and
 * pgvector 0.8's iterative scan in strict order, which keeps walking until the filters pass
 * enough rows (up to hnsw.max_scan_tuples), in distance order: without it a knowledge base with a
 * few percent of a table got 2 hits of 10. Both SET LOCAL: no other query carries them.
 */
export async function nearestQuery(
  client: PoolClient,
  table: VectorTable,
  embedding: ArrayLike<number>,
  filterSql: (params: unknown[]) => string[],
  topK: number,
  settings: NearestSettings,
  hasVectorIndex: () => Promise<boolean>,
): Promise<NearestQuery> {
  const whereOf = (terms: string[]) => (terms.length ? `WHERE ${terms.join(' AND ')}` : '');
  const params: unknown[] = [encodeVector(embedding)];
  const where = whereOf(filterSql(params));
  params.push(topK);
  const limit = `$${params.length}`;
  if (settings.exactMaxRows > 0 && (await hasVectorIndex())) {
    const countParams: unknown[] = [];
    const countWhere = whereOf(filterSql(countParams));
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table.qualified} ${countWhere} LIMIT ${settings.exactMaxRows + 1}) s`,
      countParams,
    );
    if (rows[0].n <= settings.exactMaxRows) {
      const sql = `WITH matching AS MATERIALIZED (SELECT id, embedding <=> $1 AS distance FROM ${table.qualified} ${where})
        SELECT t.node_id, t.text, t.metadata_, 1 - m.distance AS score
          FROM (SELECT id, distance FROM matching ORDER BY distance, id LIMIT ${limit}) m JOIN ${table.qualified} t USING (id)
         ORDER BY m.distance, m.id`;
      return { setup: [], sql, params, exact: true };
    }
  }
  const sql = `SELECT node_id, text, metadata_, 1 - (embedding <=> $1) AS score FROM ${table.qualified} ${where}
        ORDER BY embedding <=> $1 LIMIT ${limit}`;
  return { setup: [`SET LOCAL hnsw.iterative_scan = strict_order`, `SET LOCAL hnsw.ef_search = ${settings.efSearch}`], sql, params, exact: false };
}
