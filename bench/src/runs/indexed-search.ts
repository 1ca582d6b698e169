import type { Pool } from 'pg';
import { DEFAULT_EF_SEARCH, VectorStore } from '@docingest/vector-store';
import { round } from '../report/round';
import { median } from '../report/median';

/** hnsw.ef_search values the indexed search is measured at: pgvector's default (40) and above. */
export const EF_SEARCH_LEVELS = [40, 100, 200, 400];

/** Indexed search at one hnsw.ef_search, or the service's default search, against exact search of the same queries. */
export interface IndexedSearchMeasure {
  /** `walk`: the HNSW index always (exact search turned off); `default`: the service's settings, exact below its row bound. */
  search: 'walk' | 'default';
  efSearch: number;
  /** Median milliseconds of one search (top 10). */
  medianMs: number;
  /** Share of the exact top 10 found, averaged over the queries. */
  recallAt10: number;
  /** What EXPLAIN shows for the first query with these settings: whether the planner walked the index. */
  plan: SearchPlan;
}

export type SearchPlan = 'HNSW index scan' | 'sequential scan' | 'other';

/** The kind of an EXPLAIN of VectorStore's search: through the HNSW index, a sequential scan of the table, or neither. */
export function planKind(plan: string[]): SearchPlan {
  const text = plan.join('\n');
  return /Index Scan using \S*embedding_idx/.test(text) ? 'HNSW index scan' : /Seq Scan/.test(text) ? 'sequential scan' : 'other';
}

/** One knowledge base's search in a table that has its HNSW index: exact, then indexed at each ef_search. */
export interface IndexedSearchRun {
  /** `random`: the bench's seeded unit vectors; `local model`: USE-lite vectors of the bench's prose. */
  vectors: 'random' | 'local model';
  tableRows: number;
  /** Rows of the knowledge base searched (the filter): all of the table's, or a small one beside a large one. */
  knowledgeBaseRows: number;
  queries: number;
  exactMs: number;
  measures: IndexedSearchMeasure[];
}

/**
 * The same queries, top 10 within `knowledgebaseId`: exact (the store's exact path, its row bound
 * above any knowledge base), through the index at each ef_search (exact path off), then with the
 * service's defaults. The table has its HNSW index already.
 */
export async function measureIndexedSearch(
  pool: Pool,
  table: string,
  queries: ArrayLike<number>[],
  scope: { vectors: IndexedSearchRun['vectors']; tableRows: number; knowledgeBaseRows: number; knowledgebaseId: string },
): Promise<IndexedSearchRun> {
  const filters = { knowledgebaseId: scope.knowledgebaseId };
  const planOf = async (store: VectorStore) => planKind(await store.vectorSearchPlan(table, queries[0], filters, 10));
  const run = async (store: VectorStore) => {
    await store.search(table, queries[0], { knowledgebaseId: scope.knowledgebaseId }, 10); // warm the cache
    const hits: string[][] = [];
    const ms: number[] = [];
    for (const query of queries) {
      const started = performance.now();
      const found = await store.search(table, query, { knowledgebaseId: scope.knowledgebaseId }, 10);
      ms.push(performance.now() - started);
      hits.push(found.map((h) => h.nodeId));
    }
    return { hits, medianMs: median(ms) };
  };
  const exact = await run(new VectorStore(pool, { index: 'none', exactMaxRows: Number.MAX_SAFE_INTEGER }));
  const recall = (hits: string[][]) =>
    exact.hits.reduce((sum, truth, i) => sum + truth.filter((id) => hits[i].includes(id)).length / Math.max(1, truth.length), 0) / queries.length;
  const measures: IndexedSearchMeasure[] = [];
  for (const efSearch of EF_SEARCH_LEVELS) {
    const store = new VectorStore(pool, { index: 'none', efSearch, exactMaxRows: 0 });
    const walked = await run(store);
    measures.push({ search: 'walk', efSearch, medianMs: round(walked.medianMs), recallAt10: round(recall(walked.hits), 3), plan: await planOf(store) });
  }
  const service = new VectorStore(pool, { index: 'none' });
  const served = await run(service);
  measures.push({
    search: 'default',
    efSearch: DEFAULT_EF_SEARCH,
    medianMs: round(served.medianMs),
    recallAt10: round(recall(served.hits), 3),
    plan: await planOf(service),
  });
  return { ...scope, queries: queries.length, exactMs: round(exact.medianMs), measures };
}
