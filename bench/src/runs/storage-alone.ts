import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DEFAULT_INDEX_MIN_ROWS, VectorStore, type ChunkRow } from '@docingest/vector-store';
import { chunkMetadata } from '../../../cloudrun/ingestion/src/pipeline/chunk-metadata';
import { deterministicVector } from '../fixtures/openai-compatible-embedding.fixture';
import { chunkSizedProse } from '../corpus/corpus-generator';
import { processCpuSeconds } from '../stack/process-memory';
import { benchIngestRequest } from './bench-ingest-request';
import { measureIndexedSearch, planKind, type IndexedSearchRun, type SearchPlan } from './indexed-search';
import { round } from '../report/round';
import { median } from '../report/median';

export interface StorageMeasure {
  /**
   * 'none': no vector index; 'hnsw': the service's default (VECTOR_INDEX=hnsw, the index built once
   * the table reaches VECTOR_INDEX_MIN_ROWS), into a new table; 'hnsw-built': into a table that has
   * its index already (past the threshold); 'hnsw-after-load': none, then CREATE INDEX.
   */
  index: 'none' | 'hnsw' | 'hnsw-built' | 'hnsw-after-load';
  /** 'chunk': about 4 KB of text and the service's metadata per row; 'small': 200 bytes of text, two metadata keys. */
  rowShape: 'chunk' | 'small';
  rows: number;
  dimensions: number;
  seconds: number;
  rowsPerS: number;
  /** Seconds to build the HNSW index after the load ('hnsw-after-load' only). */
  indexBuildSeconds?: number;
}

/** A file larger than IN_MEMORY_CHUNKS: its rows staged as they come, then swapped in by one transaction. */
export interface StagedSwapMeasure {
  rows: number;
  dimensions: number;
  /** Wall seconds to stage every row, and of the swap (the transaction that holds the database). */
  stagingSeconds: number;
  swapSeconds: number;
  /** The database process's CPU milliseconds per row in each (null off Linux): what the load does not inflate. */
  stagingCpuMsPerRow: number | null;
  swapCpuMsPerRow: number | null;
}

export interface SearchMeasure {
  /** Rows of the knowledge base searched; the table holds 1% more, a small knowledge base beside it. */
  rows: number;
  /** Median milliseconds of one VectorStore.search (top 10, knowledge-base filter), exact (no index). */
  exactMs: number;
  /** The same once the HNSW index is built, with the service's search settings (the index walked: the knowledge base is past the exact bound). */
  indexedMs: number;
  /** Share of the exact top 10 the indexed search also returns, averaged over the queries. */
  recallAt10: number;
  /** Indexed against exact search at each hnsw.ef_search, for the large knowledge base and for the small one beside it. */
  byEfSearch: IndexedSearchRun[];
  /** What EXPLAIN shows for the search once the index is built (and the table analysed). */
  indexedPlan: SearchPlan;
  queries: number;
  indexBuildSeconds: number;
}

/**
 * Rows shaped like the service's: chunk-sized text (about 1,000 tokens), the service's own metadata
 * (chunkMetadata), a unit vector. Made before the clock starts.
 */
function makeRows(count: number, dimensions: number, fileUuid: string, shape: 'chunk' | 'small'): ChunkRow[] {
  if (shape === 'small') {
    return Array.from({ length: count }, (_, index) => {
      const text = `${index} ${'short row text for the storage upper bound '.repeat(5)}`.slice(0, 200);
      return { nodeId: randomUUID(), text, embedding: deterministicVector(text, dimensions), metadata: { file_uuid: fileUuid, knowledgebase_id: 'bench' } };
    });
  }
  const texts = chunkSizedProse(64, 7);
  const request = benchIngestRequest({
    file_path: 'gs://bench/storage.txt',
    vector_table_name: 'storage',
    file_uuid: fileUuid,
    embedding_provider: 'local',
    embedding_model: 'universal-sentence-encoder-lite',
  });
  return Array.from({ length: count }, (_, index) => {
    const text = `${index} ${texts[index % texts.length]}`;
    const nodeId = randomUUID();
    return {
      nodeId,
      text,
      embedding: deterministicVector(text, dimensions),
      metadata: chunkMetadata(request, { fileName: 'storage.txt', format: 'text', pageCount: 1 }, { nodeId, text, index, pageNumber: null, contentHash: nodeId }),
    };
  });
}

/** VectorStore.replaceFileChunks alone, against the same PGlite, without the rest of the pipeline. */
export async function measureStorage(
  database: { url: string; pid: number },
  plan: { rows: number; hnswRows: number; dimensions: number; searchRows: number[] },
  log: (line: string) => void,
  onSearch: (measure: SearchMeasure) => void = () => undefined,
): Promise<{ storage: StorageMeasure[]; search: SearchMeasure[]; staged: StagedSwapMeasure }> {
  const databaseUrl = database.url;
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  const results: StorageMeasure[] = [];
  const scope = (fileUuid: string) => ({ fileUuid, knowledgebaseId: 'bench' });
  try {
    const load = async (index: 'none' | 'hnsw' | 'hnsw-built', table: string, rows: number, shape: 'chunk' | 'small' = 'chunk') => {
      const store = new VectorStore(pool, { schema: 'ai', index: index === 'none' ? 'none' : 'hnsw', indexMinRows: index === 'hnsw-built' ? 0 : undefined });
      await store.ensureTable(table, plan.dimensions);
      const fileUuid = randomUUID();
      const data = makeRows(rows, plan.dimensions, fileUuid, shape);
      const started = performance.now();
      const { inserted } = await store.replaceFileChunks(table, scope(fileUuid), data);
      const seconds = (performance.now() - started) / 1000;
      if (inserted !== rows) throw new Error(`storage: inserted ${inserted} rows, expected ${rows}`);
      return { seconds, store };
    };

    log(`storage alone: ${plan.rows} rows of ${plan.dimensions} dims, no vector index`);
    const none = await load('none', 'bench_storage_none', plan.rows);
    results.push({
      index: 'none',
      rowShape: 'chunk',
      rows: plan.rows,
      dimensions: plan.dimensions,
      seconds: round(none.seconds),
      rowsPerS: Math.round(plan.rows / none.seconds),
    });

    log(`storage alone: search latency over those ${plan.rows} rows, exact, then building HNSW over them`);
    const search: SearchMeasure[] = [];
    const measured = await measureSearch(pool, none.store, 'bench_storage_none', plan.rows, plan.dimensions);
    search.push(measured);
    onSearch(measured);
    const build = measured.indexBuildSeconds;
    results.push({
      index: 'hnsw-after-load',
      rowShape: 'chunk',
      rows: plan.rows,
      dimensions: plan.dimensions,
      seconds: round(none.seconds + build),
      rowsPerS: Math.round(plan.rows / (none.seconds + build)),
      indexBuildSeconds: round(build),
    });

    log(
      `storage alone: ${plan.hnswRows} rows into a new knowledge base table with the service's default VECTOR_INDEX=hnsw (index once it holds ${DEFAULT_INDEX_MIN_ROWS} rows)`,
    );
    const hnsw = await load('hnsw', 'bench_storage_hnsw', plan.hnswRows);
    results.push({
      index: 'hnsw',
      rowShape: 'chunk',
      rows: plan.hnswRows,
      dimensions: plan.dimensions,
      seconds: round(hnsw.seconds),
      rowsPerS: Math.round(plan.hnswRows / hnsw.seconds),
    });

    log(`storage alone: ${plan.hnswRows} rows into a table that has its HNSW index already (past the threshold)`);
    const built = await load('hnsw-built', 'bench_storage_hnsw_built', plan.hnswRows);
    results.push({
      index: 'hnsw-built',
      rowShape: 'chunk',
      rows: plan.hnswRows,
      dimensions: plan.dimensions,
      seconds: round(built.seconds),
      rowsPerS: Math.round(plan.hnswRows / built.seconds),
    });

    log(`storage alone: ${plan.rows} small rows (200 bytes of text, two metadata keys), no vector index`);
    const small = await load('none', 'bench_storage_small', plan.rows, 'small');
    results.push({
      index: 'none',
      rowShape: 'small',
      rows: plan.rows,
      dimensions: plan.dimensions,
      seconds: round(small.seconds),
      rowsPerS: Math.round(plan.rows / small.seconds),
    });

    log(`storage alone: ${plan.hnswRows} rows of one file staged (IN_MEMORY_CHUNKS 100) and swapped in`);
    const staged = await measureStagedSwap(pool, database.pid, plan.hnswRows, plan.dimensions);

    for (const rows of plan.searchRows.filter((n) => n !== plan.rows)) {
      log(`storage alone: search latency over ${rows} rows, exact, then building HNSW over them`);
      const store = new VectorStore(pool, { schema: 'ai', index: 'none' });
      const table = `bench_search_${rows}`;
      await store.ensureTable(table, plan.dimensions);
      // Loaded in files of 5,000 rows: the rows of one call are all in memory.
      for (let loaded = 0; loaded < rows; loaded += 5_000) {
        const fileUuid = randomUUID();
        await store.replaceFileChunks(table, scope(fileUuid), makeRows(Math.min(5_000, rows - loaded), plan.dimensions, fileUuid, 'chunk'));
      }
      search.push(await measureSearch(pool, store, table, rows, plan.dimensions));
      onSearch(search[search.length - 1]);
    }
    return { storage: results, search, staged };
  } finally {
    await pool.end();
  }
}

/** FileChunkWriter as the service drives it for a large file: add() in batches, then commit(). */
async function measureStagedSwap(pool: Pool, databasePid: number, rows: number, dimensions: number): Promise<StagedSwapMeasure> {
  const store = new VectorStore(pool, { schema: 'ai', index: 'none' });
  const table = 'bench_storage_staged';
  await store.ensureTable(table, dimensions);
  const fileUuid = randomUUID();
  const data = makeRows(rows, dimensions, fileUuid, 'chunk');
  const cpu = () => processCpuSeconds(databasePid);
  const perRow = (from: number | null, to: number | null) => (from === null || to === null ? null : round(((to - from) * 1000) / rows, 3));
  const writer = store.fileChunkWriter(table, { fileUuid, knowledgebaseId: 'bench' }, { memoryRows: 100 });
  const [cpu0, t0] = [cpu(), performance.now()];
  for (let start = 0; start < rows; start += 100) await writer.add(data.slice(start, start + 100));
  await writer.staged();
  const [cpu1, t1] = [cpu(), performance.now()];
  const { inserted } = await writer.commit();
  const [cpu2, t2] = [cpu(), performance.now()];
  if (inserted !== rows) throw new Error(`storage: swapped in ${inserted} rows, expected ${rows}`);
  return {
    rows,
    dimensions,
    stagingSeconds: round((t1 - t0) / 1000),
    swapSeconds: round((t2 - t1) / 1000),
    stagingCpuMsPerRow: perRow(cpu0, cpu1),
    swapCpuMsPerRow: perRow(cpu1, cpu2),
  };
}

const SEARCH_QUERIES = 20;
const SMALL_KB = 'bench-small';

/**
 * Search latency over a table without a vector index (exact), then the HNSW index is built and the
 * same queries run through it: the latency, and how many of the exact top 10 it finds.
 */
async function measureSearch(pool: Pool, store: VectorStore, table: string, rows: number, dimensions: number): Promise<SearchMeasure> {
  // A small knowledge base beside the large one (1% of its rows), as many share a table by default.
  const smallRows = Math.max(50, Math.round(rows / 100));
  for (let loaded = 0; loaded < smallRows; loaded += 5_000) {
    const fileUuid = randomUUID();
    const data = makeRows(Math.min(5_000, smallRows - loaded), dimensions, fileUuid, 'chunk').map((row) => ({
      ...row,
      embedding: deterministicVector(`${SMALL_KB} ${row.text}`, dimensions),
      metadata: { ...row.metadata, knowledgebase_id: SMALL_KB },
    }));
    await store.replaceFileChunks(table, { fileUuid, knowledgebaseId: SMALL_KB }, data);
  }
  const queries = Array.from({ length: SEARCH_QUERIES }, (_, i) => deterministicVector(`query ${i}`, dimensions));
  const run = async () => {
    const hits: string[][] = [];
    const ms: number[] = [];
    for (const query of queries) {
      const started = performance.now();
      const found = await store.search(table, query, { knowledgebaseId: 'bench' }, 10);
      ms.push(performance.now() - started);
      hits.push(found.map((h) => h.nodeId));
    }
    return { hits, medianMs: median(ms) };
  };
  await store.search(table, queries[0], { knowledgebaseId: 'bench' }, 10); // warm the cache
  const exact = await run();
  const started = performance.now();
  // As the service builds it (VECTOR_INDEX=hnsw at VECTOR_INDEX_MIN_ROWS): the index, then ANALYZE.
  await store.buildVectorIndex(table);
  const indexBuildSeconds = (performance.now() - started) / 1000;
  const plan = planKind(await store.vectorSearchPlan(table, queries[0], { knowledgebaseId: 'bench' }, 10));
  await store.search(table, queries[0], { knowledgebaseId: 'bench' }, 10);
  const indexed = await run();
  const recall = exact.hits.reduce((sum, truth, i) => sum + truth.filter((id) => indexed.hits[i].includes(id)).length / Math.max(1, truth.length), 0) / queries.length;
  const tableRows = rows + smallRows;
  const byEfSearch = [
    await measureIndexedSearch(pool, table, queries, { vectors: 'random', tableRows, knowledgeBaseRows: rows, knowledgebaseId: 'bench' }),
    await measureIndexedSearch(pool, table, queries, { vectors: 'random', tableRows, knowledgeBaseRows: smallRows, knowledgebaseId: SMALL_KB }),
  ];
  return {
    byEfSearch,
    rows,
    exactMs: round(exact.medianMs),
    indexedMs: round(indexed.medianMs),
    recallAt10: round(recall, 3),
    indexedPlan: plan,
    queries: queries.length,
    indexBuildSeconds: round(indexBuildSeconds),
  };
}
