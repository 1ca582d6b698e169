import type { Pool } from 'pg';
import { chunkDocument } from '@docingest/chunking';
import { LocalEmbedder } from '@docingest/embeddings';
import { VectorStore, type ChunkRow } from '@docingest/vector-store';
import { plainText } from '../corpus/corpus-generator';
import { SeededRandom } from '../corpus/seeded-random';
import { SentenceGenerator } from '../corpus/sentence-generator';
import { fileUuidFor } from './file-uuid';
import { MODEL_VECTOR_CACHE_DIR, ModelVectorCache } from './model-vector-cache';
import { measureIndexedSearch, type IndexedSearchRun } from './indexed-search';

const CHUNK_TOKENS = 128;
const QUERIES = 20;
const FILE_ROWS = 2_000;

/**
 * Indexed against exact search on real vectors: the bench's prose (as its corpus files are made)
 * cut into 128-token chunks and embedded with the local model (USE-lite, 512 dims), `rows` of them
 * in one knowledge base and 1% beside it in a small one, in one table; the queries are sentences
 * of other prose, embedded the same way. Then the HNSW index is built, as the service builds it.
 */
export async function measureModelVectorSearch(pool: Pool, rows: number, log: (line: string) => void): Promise<IndexedSearchRun[]> {
  const smallRows = Math.max(50, Math.round(rows / 100));
  const texts = chunkTexts(new SeededRandom(31), rows + smallRows);
  const queryTexts = new SentenceGenerator(new SeededRandom(37));
  const questions = Array.from({ length: QUERIES }, () => queryTexts.sentence());
  const embedder = new LocalEmbedder({ provider: 'local' });
  const table = `bench_search_model_${rows}`;
  try {
    const cache = new ModelVectorCache(MODEL_VECTOR_CACHE_DIR, embedder.model, embedder.dimensions);
    log(`indexed search: ${texts.length} chunks of the bench's prose and ${QUERIES} queries through the local model (${cache.size} vectors cached)`);
    const started = performance.now();
    const embed = (batch: string[]) => embedder.embedFloat32(batch);
    const vectors = await cache.embed(texts, embed, log);
    const queries = await cache.embed(questions, embed);
    log(`indexed search: embedded in ${Math.round((performance.now() - started) / 1000)} s; storing ${rows} + ${smallRows} rows, then building HNSW`);
    const store = new VectorStore(pool, { index: 'none' });
    await pool.query(`DROP TABLE IF EXISTS ai.data_${table}`);
    await store.ensureTable(table, embedder.dimensions);
    const load = async (knowledgebaseId: string, from: number, to: number) => {
      for (let start = from; start < to; start += FILE_ROWS) {
        const fileUuid = fileUuidFor(`${table}:${knowledgebaseId}:${start}`);
        const slice: ChunkRow[] = texts.slice(start, Math.min(to, start + FILE_ROWS)).map((text, i) => ({
          nodeId: `${knowledgebaseId}-${start + i}`,
          text,
          embedding: vectors[start + i],
          metadata: { file_uuid: fileUuid, knowledgebase_id: knowledgebaseId },
        }));
        await store.replaceFileChunks(table, { fileUuid, knowledgebaseId }, slice);
      }
    };
    await load('model', 0, rows);
    await load('model-small', rows, rows + smallRows);
    await store.buildVectorIndex(table);
    const tableRows = rows + smallRows;
    return [
      await measureIndexedSearch(pool, table, queries, { vectors: 'local model', tableRows, knowledgeBaseRows: rows, knowledgebaseId: 'model' }),
      await measureIndexedSearch(pool, table, queries, { vectors: 'local model', tableRows, knowledgeBaseRows: smallRows, knowledgebaseId: 'model-small' }),
    ];
  } finally {
    await embedder.close();
  }
}

/** `count` chunk texts of 128 tokens from the bench's prose. */
function chunkTexts(random: SeededRandom, count: number): string[] {
  const texts: string[] = [];
  for (let part = 0; texts.length < count; part++) {
    const chunks = chunkDocument([{ text: plainText(random, 500_000), pageNumber: null }], {
      chunkSize: CHUNK_TOKENS,
      chunkOverlap: 0,
      fileUuid: fileUuidFor(`model-search:${part}`),
      knowledgebaseId: 'model',
    });
    texts.push(...chunks.map((chunk) => chunk.text));
  }
  return texts.slice(0, count);
}
