import type { Pool } from 'pg';
import { useLocalPostgres } from '@docingest/local-postgres/testing';
import { VectorStore, type ChunkRow } from './index';

const DIMS = 32;

/** Seeded unit vectors spread evenly over the sphere: no structure for the HNSW graph to lean on, so its approximation shows. */
function randomUnitVectors(count: number, seed: number): number[][] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const v = Array.from({ length: DIMS }, () => Math.sqrt(-2 * Math.log(next() || 1e-9)) * Math.cos(2 * Math.PI * next()));
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

const cosineDistance = (a: number[], b: number[]) => 1 - a.reduce((sum, x, i) => sum + x * b[i], 0);

describe('VectorStore vector search against exact search', () => {
  const { pool, openPool } = useLocalPostgres();
  /** A session where the planner walks the HNSW index whenever it can (scans and sorts priced out). */
  let forced: Pool;
  const small: ChunkRow[] = [];
  const queries = randomUnitVectors(12, 99);

  /** The exact top 10 of the small knowledge base, by brute force here. */
  const exactTop10 = (query: number[]) =>
    [...small]
      .sort((a, b) => cosineDistance(query, a.embedding as number[]) - cosineDistance(query, b.embedding as number[]))
      .slice(0, 10)
      .map((row) => row.nodeId);
  const hitsOf = (store: VectorStore, kb: string) =>
    Promise.all(queries.map(async (q) => (await store.search('shared', q, { knowledgebaseId: kb }, 10)).map((h) => h.nodeId)));

  beforeAll(async () => {
    forced = openPool({ max: 1 });
    forced.on('connect', (client) => void client.query('SET enable_seqscan = off; SET enable_sort = off'));
    // One table shared by knowledge bases: a large one, and a small one with 3% of the rows.
    const store = new VectorStore(pool, { indexMinRows: 0 });
    await store.ensureTable('shared', DIMS);
    const bigVectors = randomUnitVectors(1_600, 1);
    for (let f = 0; f < 4; f++) {
      const fileUuid = `big-${f}`;
      const rows = bigVectors.slice(f * 400, (f + 1) * 400).map((embedding, i) => ({
        nodeId: `${fileUuid}-${i}`,
        text: `big ${f} ${i}`,
        embedding,
        metadata: { file_uuid: fileUuid, knowledgebase_id: 'big' },
      }));
      await store.replaceFileChunks('shared', { fileUuid, knowledgebaseId: 'big' }, rows);
    }
    small.push(
      ...randomUnitVectors(50, 2).map((embedding, i) => ({
        nodeId: `small-${i}`,
        text: `small ${i}`,
        embedding,
        metadata: { file_uuid: 'small-0', knowledgebase_id: 'small' },
      })),
    );
    await store.replaceFileChunks('shared', { fileUuid: 'small-0', knowledgebaseId: 'small' }, small);
    await store.buildVectorIndex('shared');
  }, 120_000);

  it('gives a small knowledge base in a shared table its exact top 10, where the HNSW walk does not', async () => {
    const expected = queries.map(exactTop10);
    // Through the index (exact search turned off, the lowest ef_search) some of the exact top 10 are missed: what the data is for.
    const walked = await hitsOf(new VectorStore(forced, { exactMaxRows: 0, efSearch: 1 }), 'small');
    expect(walked).not.toEqual(expected);
    const store = new VectorStore(forced, { efSearch: 1 });
    expect((await store.vectorSearchPlan('shared', queries[0], { knowledgebaseId: 'small' }, 10)).join('\n')).not.toMatch(/embedding_idx/);
    expect(await hitsOf(store, 'small')).toEqual(expected);
  });

  it('walks the index for a knowledge base past exactMaxRows, keeping its hits within the filter', async () => {
    const store = new VectorStore(forced, { exactMaxRows: 1_000 });
    expect((await store.vectorSearchPlan('shared', queries[0], { knowledgebaseId: 'big' }, 10)).join('\n')).toMatch(/Index Scan using data_shared_embedding_idx/);
    const hits = await store.search('shared', queries[0], { knowledgebaseId: 'big' }, 10);
    expect(hits).toHaveLength(10);
    expect(hits.every((h) => h.metadata.knowledgebase_id === 'big')).toBe(true);
  });

  it('builds the knowledge-base index beside the HNSW index, for the exact search to read only its rows', async () => {
    const { rows } = await pool.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'ai' AND tablename = 'data_shared' ORDER BY indexname`);
    expect(rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(['data_shared_embedding_idx', 'data_shared_kb_idx']));
  });

  it.each([0, 1_001, 2.5])('refuses efSearch %p (pgvector takes 1 to 1000)', (efSearch) => {
    expect(() => new VectorStore(pool, { efSearch })).toThrow(RangeError);
  });
});
