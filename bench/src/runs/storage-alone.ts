import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { VectorStore, type ChunkRow } from '@docingest/vector-store';
import { chunkMetadata } from '../../../cloudrun/ingestion/src/pipeline/chunk-metadata';
import { deterministicVector } from '../fixtures/openai-compatible-embedding.fixture';
import { SeededRandom } from '../corpus/seeded-random';
import { SentenceGenerator } from '../corpus/sentence-generator';

export interface StorageMeasure {
  /** 'none': no vector index; 'hnsw': inserted into a table that has one; 'hnsw-after-load': none, then CREATE INDEX. */
  index: 'none' | 'hnsw' | 'hnsw-after-load';
  /** 'chunk': about 4 KB of text and the service's metadata per row; 'small': 200 bytes of text, two metadata keys. */
  rowShape: 'chunk' | 'small';
  rows: number;
  dimensions: number;
  seconds: number;
  rowsPerS: number;
  /** Seconds to build the HNSW index after the load ('hnsw-after-load' only). */
  indexBuildSeconds?: number;
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
  const words = new SentenceGenerator(new SeededRandom(7));
  const texts = Array.from({ length: 64 }, () => Array.from({ length: 8 }, () => words.paragraph()).join('\n\n').slice(0, 4_000));
  const request = {
    file_path: 'gs://bench/storage.txt', vector_table_name: 'storage', file_uuid: fileUuid, link_id: 1, embedding_provider: 'local' as const,
    embedding_model: 'universal-sentence-encoder-lite', chunk_size: 1000, chunk_overlap: 200, batch_size: 20, progress_update_frequency: 10,
    user_uuid: 'bench-user', team_id: 1, knowledgebase_id: 'bench', project_id: 'bench', custom_metadata: null, attempt: 1,
  };
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
  databaseUrl: string,
  plan: { rows: number; hnswRows: number; dimensions: number },
  log: (line: string) => void,
): Promise<StorageMeasure[]> {
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  const results: StorageMeasure[] = [];
  const scope = (fileUuid: string) => ({ fileUuid, knowledgebaseId: 'bench' });
  try {
    const load = async (index: 'none' | 'hnsw', table: string, rows: number, shape: 'chunk' | 'small' = 'chunk') => {
      const store = new VectorStore(pool, { schema: 'ai', index });
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
    results.push({ index: 'none', rowShape: 'chunk', rows: plan.rows, dimensions: plan.dimensions, seconds: round(none.seconds), rowsPerS: Math.round(plan.rows / none.seconds) });

    log(`storage alone: building HNSW over those ${plan.rows} rows`);
    const buildStarted = performance.now();
    await pool.query(`CREATE INDEX bench_storage_none_hnsw ON ${none.store.table('bench_storage_none').qualified} USING hnsw (embedding vector_cosine_ops)`);
    const build = (performance.now() - buildStarted) / 1000;
    results.push({
      index: 'hnsw-after-load', rowShape: 'chunk', rows: plan.rows, dimensions: plan.dimensions, seconds: round(none.seconds + build),
      rowsPerS: Math.round(plan.rows / (none.seconds + build)), indexBuildSeconds: round(build),
    });

    log(`storage alone: ${plan.hnswRows} rows into a table with an HNSW index (the service's VECTOR_INDEX default)`);
    const hnsw = await load('hnsw', 'bench_storage_hnsw', plan.hnswRows);
    results.push({ index: 'hnsw', rowShape: 'chunk', rows: plan.hnswRows, dimensions: plan.dimensions, seconds: round(hnsw.seconds), rowsPerS: Math.round(plan.hnswRows / hnsw.seconds) });

    log(`storage alone: ${plan.rows} small rows (200 bytes of text, two metadata keys), no vector index`);
    const small = await load('none', 'bench_storage_small', plan.rows, 'small');
    results.push({ index: 'none', rowShape: 'small', rows: plan.rows, dimensions: plan.dimensions, seconds: round(small.seconds), rowsPerS: Math.round(plan.rows / small.seconds) });
    return results;
  } finally {
    await pool.end();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
