import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { startLocalPostgres } from '@docingest/local-postgres';
import { DimensionMismatchError, InvalidTableNameError, VectorStore, encodeVector, type ChunkRow } from './index';

const DIMS = 8;

/** A unit vector pointing mostly along axis `axis`, so nearest neighbours are known in advance. */
function axisVector(axis: number, noise = 0): number[] {
  const v = Array.from({ length: DIMS }, (_, i) => (i === axis ? 1 : noise));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function rows(fileUuid: string, kb: string, count: number, prefix = 'chunk'): ChunkRow[] {
  return Array.from({ length: count }, (_, i) => ({
    nodeId: `${fileUuid}-${i}`,
    text: `${prefix} ${i}`,
    embedding: axisVector(i % DIMS, 0.01),
    metadata: { file_uuid: fileUuid, knowledgebase_id: kb, team_id: 7, page: i + 1 },
  }));
}

describe('VectorStore', () => {
  let server: Awaited<ReturnType<typeof startLocalPostgres>>;
  let pool: Pool;
  let store: VectorStore;

  beforeAll(async () => {
    server = await startLocalPostgres({});
    pool = new Pool({ connectionString: server.url, max: 4 });
    store = new VectorStore(pool, { insertBatchRows: 7 });
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('creates the table in the layout LlamaIndex PGVectorStore reads, with a cosine HNSW index', async () => {
    await store.ensureTable('layout', DIMS);
    const { rows: columns } = await pool.query(
      `SELECT column_name, data_type, udt_name FROM information_schema.columns
        WHERE table_schema = 'ai' AND table_name = 'data_layout' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => [c.column_name, c.udt_name])).toEqual([
      ['id', 'int8'],
      ['text', 'varchar'],
      ['metadata_', 'jsonb'],
      ['node_id', 'varchar'],
      ['embedding', 'vector'],
    ]);
    const { rows: indexes } = await pool.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'ai' AND tablename = 'data_layout'`);
    expect(indexes.map((i) => i.indexdef).join('\n')).toMatch(/USING hnsw \(embedding vector_cosine_ops\)/);
    expect(await store.tableDimensions('layout')).toBe(DIMS);
  });

  it('refuses a model whose dimension differs from the table, before writing anything', async () => {
    await store.ensureTable('dims', DIMS);
    await expect(store.ensureTable('dims', 512)).rejects.toBeInstanceOf(DimensionMismatchError);
    await expect(new VectorStore(pool).ensureTable('dims', 512)).rejects.toThrow(/holds 8-dimension vectors but the embedding model gives 512/);
  });

  it.each(['x; DROP TABLE ai.data_dims', 'Upper', 'a-b', ''])('refuses the table name %j', (name) => {
    expect(() => store.table(name)).toThrow(InvalidTableNameError);
  });

  it('replaces a file’s chunks: re-ingesting leaves exactly one set, other files untouched', async () => {
    await store.ensureTable('replace', DIMS);
    const file = randomUUID();
    const other = randomUUID();
    await store.replaceFileChunks('replace', { fileUuid: other, knowledgebaseId: 'kb' }, rows(other, 'kb', 5));
    const first = await store.replaceFileChunks('replace', { fileUuid: file, knowledgebaseId: 'kb' }, rows(file, 'kb', 20));
    expect(first).toEqual({ deleted: 0, inserted: 20 });
    const second = await store.replaceFileChunks('replace', { fileUuid: file, knowledgebaseId: 'kb' }, rows(file, 'kb', 12, 'v2'));
    expect(second).toEqual({ deleted: 20, inserted: 12 });
    expect(await store.countFileChunks('replace', { fileUuid: file, knowledgebaseId: 'kb' })).toBe(12);
    expect(await store.countFileChunks('replace', { fileUuid: other, knowledgebaseId: 'kb' })).toBe(5);
    const { rows: texts } = await pool.query(`SELECT DISTINCT split_part(text, ' ', 1) AS p FROM ai.data_replace WHERE metadata_->>'file_uuid' = $1`, [file]);
    expect(texts).toEqual([{ p: 'v2' }]);
  });

  it('stores vectors sent in binary form exactly', async () => {
    await store.ensureTable('binary', DIMS);
    const file = randomUUID();
    const vector = [0.5, -0.25, 0.125, 1, 0, -1, 0.75, 0.0625];
    await store.replaceFileChunks('binary', { fileUuid: file, knowledgebaseId: 'kb' }, [
      { nodeId: 'n', text: 't', embedding: vector, metadata: { file_uuid: file, knowledgebase_id: 'kb' } },
    ]);
    const { rows: stored } = await pool.query(`SELECT embedding::text AS e FROM ai.data_binary WHERE node_id = 'n'`);
    expect(stored[0].e).toBe(`[${vector.join(',')}]`);
    expect(encodeVector([1, 2]).toString('hex')).toBe('000200003f80000040000000');
  });

  it('rolls the whole replacement back when one row fails: the old set stays', async () => {
    await store.ensureTable('atomic', DIMS);
    const file = randomUUID();
    await store.replaceFileChunks('atomic', { fileUuid: file, knowledgebaseId: 'kb' }, rows(file, 'kb', 6));
    const broken = rows(file, 'kb', 10, 'new');
    broken[9] = { ...broken[9], embedding: [1, 2, 3] }; // wrong dimension: fails in the second batch
    await expect(store.replaceFileChunks('atomic', { fileUuid: file, knowledgebaseId: 'kb' }, broken)).rejects.toThrow();
    expect(await store.countFileChunks('atomic', { fileUuid: file, knowledgebaseId: 'kb' })).toBe(6);
  });

  it('never shows both sets or duplicates while replacements run concurrently', async () => {
    await store.ensureTable('concurrent', DIMS);
    const file = randomUUID();
    const scope = { fileUuid: file, knowledgebaseId: 'kb' };
    await store.replaceFileChunks('concurrent', scope, rows(file, 'kb', 30));
    const counts: number[] = [];
    let writing = true;
    const reader = (async () => {
      while (writing) counts.push(await store.countFileChunks('concurrent', scope));
    })();
    await Promise.all([30, 30, 30].map((n, i) => store.replaceFileChunks('concurrent', scope, rows(file, 'kb', n, `w${i}`))));
    writing = false;
    await reader;
    expect(counts.length).toBeGreaterThan(0);
    expect(new Set(counts)).toEqual(new Set([30]));
    expect(await store.countFileChunks('concurrent', scope)).toBe(30);
  });

  it('deletes one file in one knowledge base and answers how many rows went', async () => {
    await store.ensureTable('del', DIMS);
    const file = randomUUID();
    await store.replaceFileChunks('del', { fileUuid: file, knowledgebaseId: 'a' }, rows(file, 'a', 4));
    await store.replaceFileChunks('del', { fileUuid: file, knowledgebaseId: 'b' }, rows(file, 'b', 3));
    expect(await store.deleteFileChunks('del', { fileUuid: file, knowledgebaseId: 'a' })).toBe(4);
    expect(await store.deleteFileChunks('del', { fileUuid: file, knowledgebaseId: 'a' })).toBe(0);
    expect(await store.countFileChunks('del', { fileUuid: file, knowledgebaseId: 'b' })).toBe(3);
    expect(await store.deleteFileChunks('missing_table', { fileUuid: file, knowledgebaseId: 'a' })).toBe(0);
  });

  it('searches by cosine similarity within the filters', async () => {
    await store.ensureTable('search', DIMS);
    const a = randomUUID();
    const b = randomUUID();
    await store.replaceFileChunks('search', { fileUuid: a, knowledgebaseId: 'kb' }, rows(a, 'kb', 8));
    await store.replaceFileChunks('search', { fileUuid: b, knowledgebaseId: 'kb2' }, rows(b, 'kb2', 8));
    const hits = await store.search('search', axisVector(3), { knowledgebaseId: 'kb' }, 3);
    expect(hits).toHaveLength(3);
    expect(hits[0]).toMatchObject({ text: 'chunk 3', nodeId: `${a}-3` });
    expect(hits[0].score).toBeGreaterThan(0.99);
    expect(hits.every((h) => h.metadata.knowledgebase_id === 'kb')).toBe(true);
    expect(hits[1].score).toBeLessThanOrEqual(hits[0].score);
    expect(await store.search('search', axisVector(3), { fileUuid: b, teamId: 7 }, 1)).toMatchObject([{ nodeId: `${b}-3` }]);
    expect(await store.search('search', axisVector(3), { teamId: 8 }, 5)).toEqual([]);
  });
});
