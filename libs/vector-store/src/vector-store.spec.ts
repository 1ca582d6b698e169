import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { useLocalPostgres } from '@docingest/local-postgres/testing';
import { DimensionMismatchError, InvalidTableNameError, VectorStore, embeddingHash, encodeVector, parseVectorText, stagedRows, type ChunkRow } from './index';

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
  const { server, pool, openPool } = useLocalPostgres({ poolSize: 4 });
  let store: VectorStore;

  const stagingTables = async () =>
    (await pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'ai' AND tablename LIKE 'ingest\\_staging%' ORDER BY 1`)).rows.map(
      (r) => r.name,
    );
  beforeAll(() => {
    store = new VectorStore(pool, { insertBatchRows: 7 });
  });

  it('creates the table in the layout LlamaIndex PGVectorStore reads, with a cosine HNSW index when asked for one from the start', async () => {
    await new VectorStore(pool, { indexMinRows: 0 }).ensureTable('layout', DIMS);
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
      ['text_search_tsv', 'tsvector'],
    ]);
    const { rows: indexes } = await pool.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'ai' AND tablename = 'data_layout'`);
    expect(indexes.map((i) => i.indexdef).join('\n')).toMatch(/USING hnsw \(embedding vector_cosine_ops\)/);
    expect(indexes.map((i) => i.indexdef).join('\n')).toMatch(/USING gin \(text_search_tsv\)/);
    expect(await store.tableDimensions('layout')).toBe(DIMS);
  });

  it('builds the HNSW index once the table reaches indexMinRows, searching exactly until then, with the same hits after', async () => {
    const deferred = new VectorStore(pool, { indexMinRows: 30 });
    const hnswIndexes = async () =>
      (await pool.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'ai' AND tablename = 'data_deferred' AND indexdef LIKE '%USING hnsw%'`)).rows.length;
    await deferred.ensureTable('deferred', DIMS);
    const first = randomUUID();
    await deferred.replaceFileChunks('deferred', { fileUuid: first, knowledgebaseId: 'kb' }, rows(first, 'kb', 20));
    await deferred.indexBuilt('deferred');
    expect(await hnswIndexes()).toBe(0);
    const query = axisVector(3);
    const exact = await deferred.search('deferred', query, { knowledgebaseId: 'kb' }, 3);
    expect(exact.map((h) => h.text)).toEqual(['chunk 3', 'chunk 11', 'chunk 19']);

    const second = randomUUID();
    await deferred.replaceFileChunks('deferred', { fileUuid: second, knowledgebaseId: 'other-kb' }, rows(second, 'other-kb', 12));
    await deferred.indexBuilt('deferred');
    expect(await hnswIndexes()).toBe(1);
    // Analysed with the build: without statistics the planner keeps scanning (see buildVectorIndex).
    const { rows: stats } = await pool.query(`SELECT count(*)::int AS n FROM pg_stats WHERE schemaname = 'ai' AND tablename = 'data_deferred'`);
    expect(stats[0].n).toBeGreaterThan(0);
    expect((await deferred.search('deferred', query, { knowledgebaseId: 'kb' }, 3)).map((h) => h.text)).toEqual(exact.map((h) => h.text));
    // Another store (another process) finds the index there and builds nothing.
    const later = new VectorStore(pool, { indexMinRows: 30 });
    await later.replaceFileChunks('deferred', { fileUuid: first, knowledgebaseId: 'kb' }, rows(first, 'kb', 20));
    await later.indexBuilt('deferred');
    expect(await hnswIndexes()).toBe(1);
  });

  it('through the HNSW index, a small knowledge base in a shared table still gets topK hits (iterative scan), in distance order', async () => {
    const indexed = new VectorStore(pool, { indexMinRows: 0 });
    await indexed.ensureTable('filtered', DIMS);
    const spread = (fileUuid: string, kb: string, count: number, offset: number): ChunkRow[] =>
      Array.from({ length: count }, (_, i) => {
        const angle = (offset + i) * 0.37;
        return {
          nodeId: `${kb}-${offset + i}`,
          text: `${kb} ${i}`,
          embedding: axisVector((offset + i) % DIMS, 0.2 + 0.1 * Math.sin(angle)),
          metadata: { file_uuid: fileUuid, knowledgebase_id: kb },
        };
      });
    for (let f = 0; f < 6; f++) await indexed.replaceFileChunks('filtered', { fileUuid: `big-${f}`, knowledgebaseId: 'big' }, spread(`big-${f}`, 'big', 100, f * 100));
    await indexed.replaceFileChunks('filtered', { fileUuid: 'small-0', knowledgebaseId: 'small' }, spread('small-0', 'small', 20, 1000));
    await indexed.buildVectorIndex('filtered');
    // Only the index gives rows in distance order without a sort: the planner must walk it.
    const forced = new Pool({ connectionString: server.url, max: 1 });
    forced.on('connect', (client) => void client.query('SET enable_seqscan = off; SET enable_sort = off'));
    try {
      // exactMaxRows 0: 20 rows would otherwise be searched exactly (see nearest-search.spec.ts).
      const viaIndex = new VectorStore(forced, { indexMinRows: 0, exactMaxRows: 0 });
      const query = axisVector(2, 0.05);
      expect((await viaIndex.vectorSearchPlan('filtered', query, { knowledgebaseId: 'small' }, 10)).join('\n')).toMatch(/Index Scan using data_filtered_embedding_idx/);
      const hits = await viaIndex.search('filtered', query, { knowledgebaseId: 'small' }, 10);
      expect(hits).toHaveLength(10);
      expect(hits.every((h) => h.metadata.knowledgebase_id === 'small')).toBe(true);
      expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    } finally {
      await forced.end();
    }
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

  it('sends a replacement in one round trip (lock, DELETE, INSERTs, no BEGIN or COMMIT), failed or not, and the connection stays usable', async () => {
    const single = new Pool({ connectionString: server.url, max: 1 });
    let roundTrips = 0;
    single.on('connect', (client) => (client as unknown as { connection: NodeJS.EventEmitter }).connection.on('readyForQuery', () => roundTrips++));
    try {
      const oneClient = new VectorStore(single, { insertBatchRows: 7, index: 'none' }); // no index check to count
      await oneClient.ensureTable('round_trips', DIMS);
      const scope = { fileUuid: randomUUID(), knowledgebaseId: 'kb' };
      await oneClient.replaceFileChunks('round_trips', scope, rows(scope.fileUuid, 'kb', 4, 'old'));
      // Another file with the same words first: their spans' full-text values are then known, and
      // what is counted is the replacement alone (spans not seen yet are one round trip before it).
      const other = { fileUuid: randomUUID(), knowledgebaseId: 'kb' };
      await oneClient.replaceFileChunks('round_trips', other, [...rows(other.fileUuid, 'kb', 20, 'new'), ...rows(other.fileUuid, 'kb', 10, 'broken')]);
      roundTrips = 0;
      expect(await oneClient.replaceFileChunks('round_trips', scope, rows(scope.fileUuid, 'kb', 20, 'new'))).toEqual({ deleted: 4, inserted: 20 });
      expect(roundTrips).toBe(1);
      const broken = rows(scope.fileUuid, 'kb', 10, 'broken');
      broken[9] = { ...broken[9], embedding: [1, 2, 3] };
      roundTrips = 0;
      await expect(oneClient.replaceFileChunks('round_trips', scope, broken)).rejects.toThrow(/dimensions/);
      expect(roundTrips).toBe(1);
      expect(await oneClient.countFileChunks('round_trips', scope)).toBe(20);
    } finally {
      await single.end();
    }
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
    expect(encodeVector(Float32Array.from([1, 2]))).toEqual(encodeVector([1, 2]));
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

  describe('fileChunkWriter: rows given over time, swapped in at commit', () => {
    /** Rows staged in every staging table; nothing staged also means no staging table left. */
    const stagedCount = async () => {
      const rows = await stagedRows(pool);
      if (rows === 0) expect(await stagingTables()).toEqual([]);
      return rows;
    };
    const nodeIdsInOrder = async (table: string, file: string) =>
      (await pool.query(`SELECT node_id FROM ai.data_${table} WHERE metadata_->>'file_uuid' = $1 ORDER BY id`, [file])).rows.map((r) => r.node_id);

    it('tells onSwapOpened once, when the swap’s transaction opens at commit: the in-memory set and the staged one', async () => {
      await store.ensureTable('writer_opened', DIMS);
      for (const [memoryRows, staged] of [
        [10, false],
        [3, true],
      ] as const) {
        const file = randomUUID();
        const scope = { fileUuid: file, knowledgebaseId: 'kb' };
        const opened: Array<{ rows: number; staged: boolean }> = [];
        const writer = store.fileChunkWriter('writer_opened', scope, { memoryRows, sliceRows: 2, onSwapOpened: (swap) => opened.push(swap) });
        await writer.add(rows(file, 'kb', 7));
        expect(opened).toEqual([]);
        await writer.commit();
        expect(opened).toEqual([{ rows: 7, staged }]);
      }
    });

    it('stores a file that fits in memory as one replacement at commit, nothing before', async () => {
      await store.ensureTable('writer_small', DIMS);
      const file = randomUUID();
      const scope = { fileUuid: file, knowledgebaseId: 'kb' };
      await store.replaceFileChunks('writer_small', scope, rows(file, 'kb', 3, 'old'));
      const writer = store.fileChunkWriter('writer_small', scope, { memoryRows: 10 });
      const fresh = rows(file, 'kb', 10, 'new');
      await writer.add(fresh.slice(0, 6));
      await writer.add(fresh.slice(6));
      expect(writer.isStaging).toBe(false);
      expect(await store.countFileChunks('writer_small', scope)).toBe(3);
      const progress: number[] = [];
      expect(await writer.commit((stored) => progress.push(stored))).toEqual({ deleted: 3, inserted: 10 });
      expect(progress.at(-1)).toBe(10);
      expect(await nodeIdsInOrder('writer_small', file)).toEqual(fresh.map((r) => r.nodeId));
    });

    it('computes the full-text values of texts given ahead in the table’s configuration, and the commit stores those', async () => {
      await store.ensureTable('writer_prepared', DIMS, 'french');
      const file = randomUUID();
      const scope = { fileUuid: file, knowledgebaseId: 'kb' };
      const texts = ['Les chevaux couraient dans les prés', 'the horses were running', 'Les chevaux couraient dans les prés', 'des journaux anciens'];
      const fresh = rows(file, 'kb', texts.length).map((row, i) => ({ ...row, text: texts[i] }));
      const writer = store.fileChunkWriter('writer_prepared', scope, { memoryRows: 10 });
      writer.prepare(texts.slice(0, 2));
      writer.prepare(texts.slice(2));
      await writer.add(fresh);
      // With the trigger off, a row has a full-text value only if the commit handed it one.
      await pool.query('ALTER TABLE ai.data_writer_prepared DISABLE TRIGGER text_search_tsv');
      try {
        await writer.commit();
      } finally {
        await pool.query('ALTER TABLE ai.data_writer_prepared ENABLE TRIGGER text_search_tsv');
      }
      const { rows: stored } = await pool.query<{ stored: string | null; expected: string }>(
        `SELECT text_search_tsv::text AS stored, to_tsvector('french', text)::text AS expected FROM ai.data_writer_prepared
          WHERE metadata_->>'file_uuid' = $1 ORDER BY id`,
        [file],
      );
      expect(stored).toHaveLength(texts.length);
      expect(stored.map((r) => r.stored)).toEqual(stored.map((r) => r.expected));
      expect(stored[0].stored).toContain("'cheval'");
    });

    it('stages a file larger than memoryRows in slices: readers keep the old set until commit', async () => {
      await store.ensureTable('writer_large', DIMS);
      const file = randomUUID();
      const scope = { fileUuid: file, knowledgebaseId: 'kb' };
      await store.replaceFileChunks('writer_large', scope, rows(file, 'kb', 4, 'old'));
      const writer = store.fileChunkWriter('writer_large', scope, { memoryRows: 5, sliceRows: 4 });
      const fresh = rows(file, 'kb', 23, 'new');
      for (let i = 0; i < fresh.length; i += 3) await writer.add(fresh.slice(i, i + 3));
      expect(writer.isStaging).toBe(true);
      expect(await store.countFileChunks('writer_large', scope)).toBe(4);
      expect(await stagedCount()).toBeGreaterThanOrEqual(4);
      expect(await writer.commit()).toEqual({ deleted: 4, inserted: 23 });
      expect(await nodeIdsInOrder('writer_large', file)).toEqual(fresh.map((r) => r.nodeId));
      expect(await stagedCount()).toBe(0);
      const { rows: stored } = await pool.query(`SELECT embedding::text AS e FROM ai.data_writer_large WHERE node_id = $1`, [fresh[9].nodeId]);
      expect(Float32Array.from(parseVectorText(stored[0].e))).toEqual(Float32Array.from(fresh[9].embedding));
    });

    it('keeps the old set and leaves nothing staged when a staged replacement fails', async () => {
      await store.ensureTable('writer_fail', DIMS);
      const file = randomUUID();
      const scope = { fileUuid: file, knowledgebaseId: 'kb' };
      await store.replaceFileChunks('writer_fail', scope, rows(file, 'kb', 6, 'old'));

      // Fails in the swap: a vector of the wrong size is only refused by the knowledge base's table.
      const wrongSize = rows(file, 'kb', 12, 'new');
      wrongSize[10] = { ...wrongSize[10], embedding: [1, 2, 3] };
      const first = store.fileChunkWriter('writer_fail', scope, { memoryRows: 2, sliceRows: 3 });
      await first.add(wrongSize);
      await expect(first.commit()).rejects.toThrow(/dimensions/);

      // Fails while staging: PostgreSQL text cannot hold U+0000.
      const nul = rows(file, 'kb', 12, 'new');
      nul[7] = { ...nul[7], text: 'bad \0 text' };
      const second = store.fileChunkWriter('writer_fail', scope, { memoryRows: 2, sliceRows: 3 });
      await expect(
        (async () => {
          for (const row of nul) await second.add([row]);
          await second.commit();
        })(),
      ).rejects.toThrow();
      await second.discard();

      expect(await store.countFileChunks('writer_fail', scope)).toBe(6);
      expect(await stagedCount()).toBe(0);
    });

    it('gives the staged space back: each replacement stages in its own table, dropped by the swap; leftovers a day old and the old shared table go', async () => {
      // What an older version and a crashed ingestion left: the shared table, one table a day old, one fresh.
      const oldSeconds = Math.floor(Date.now() / 1000) - 25 * 60 * 60;
      const crashed = `ingest_staging_${oldSeconds}_${'a'.repeat(32)}`;
      const running = `ingest_staging_${Math.floor(Date.now() / 1000)}_${'b'.repeat(32)}`;
      await pool.query(`CREATE TABLE ai.ingest_staging (id BIGSERIAL, staged_at TIMESTAMPTZ NOT NULL DEFAULT now() - interval '2 days')`);
      await pool.query(`INSERT INTO ai.ingest_staging DEFAULT VALUES`);
      await pool.query(`CREATE TABLE ai."${crashed}" (id BIGSERIAL)`);
      await pool.query(`CREATE TABLE ai."${running}" (id BIGSERIAL)`);

      const fresh = new VectorStore(pool, { insertBatchRows: 50 });
      await fresh.ensureTable('writer_space', DIMS);
      const stagedBytes = async () =>
        Number(
          (
            await pool.query(
              `SELECT coalesce(sum(pg_total_relation_size(format('ai.%I', tablename))), 0) AS n FROM pg_tables WHERE schemaname = 'ai' AND tablename LIKE 'ingest\\_staging\\_%'`,
            )
          ).rows[0].n,
        );
      const runningBytes = Number((await pool.query(`SELECT pg_total_relation_size('ai."${running}"') AS n`)).rows[0].n);
      const file = randomUUID();
      const scope = { fileUuid: file, knowledgebaseId: 'kb' };
      const seen = new Set<string>();
      for (let round = 0; round < 3; round++) {
        const writer = fresh.fileChunkWriter('writer_space', scope, { memoryRows: 10, sliceRows: 50 });
        await writer.add(rows(file, 'kb', 400, `r${round}`));
        await writer.staged();
        const staging = (await stagingTables()).filter((name) => name !== running);
        expect(staging).toHaveLength(1);
        seen.add(staging[0]);
        expect(await stagedBytes()).toBeGreaterThan(runningBytes + 32_768);
        expect(await writer.commit()).toEqual({ deleted: round === 0 ? 0 : 400, inserted: 400 });
        expect(await stagingTables()).toEqual([running]);
        expect(await stagedBytes()).toBe(runningBytes);
      }
      expect(seen.size).toBe(3);
      expect(await fresh.countFileChunks('writer_space', scope)).toBe(400);
      await pool.query(`DROP TABLE ai."${running}"`);
    });

    it('discard drops what was staged and changes nothing', async () => {
      await store.ensureTable('writer_discard', DIMS);
      const file = randomUUID();
      const scope = { fileUuid: file, knowledgebaseId: 'kb' };
      await store.replaceFileChunks('writer_discard', scope, rows(file, 'kb', 2, 'old'));
      const writer = store.fileChunkWriter('writer_discard', scope, { memoryRows: 3, sliceRows: 2 });
      await writer.add(rows(file, 'kb', 9, 'new'));
      await writer.discard();
      await writer.discard();
      expect(await store.countFileChunks('writer_discard', scope)).toBe(2);
      expect(await stagedCount()).toBe(0);
      await expect(writer.add(rows(file, 'kb', 1))).rejects.toThrow(/already been committed or discarded/);
    });

    it('never shows both sets while staged replacements and readers run concurrently', async () => {
      await store.ensureTable('writer_concurrent', DIMS);
      const file = randomUUID();
      const scope = { fileUuid: file, knowledgebaseId: 'kb' };
      await store.replaceFileChunks('writer_concurrent', scope, rows(file, 'kb', 20));
      const counts: number[] = [];
      let writing = true;
      const reader = (async () => {
        while (writing) counts.push(await store.countFileChunks('writer_concurrent', scope));
      })();
      await Promise.all(
        [0, 1, 2].map(async (w) => {
          const writer = store.fileChunkWriter('writer_concurrent', scope, { memoryRows: 4, sliceRows: 5 });
          const fresh = rows(file, 'kb', 20, `w${w}`);
          for (let i = 0; i < fresh.length; i += 2) await writer.add(fresh.slice(i, i + 2));
          await writer.commit();
        }),
      );
      writing = false;
      await reader;
      expect(new Set(counts)).toEqual(new Set([20]));
      expect(await store.countFileChunks('writer_concurrent', scope)).toBe(20);
    });
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

  describe('stored embeddings: what a re-ingestion reuses', () => {
    const space = { provider: 'openai', model: 'm', dimensions: DIMS };
    const hashedRows = (fileUuid: string, kb: string, texts: string[]): ChunkRow[] =>
      texts.map((text, i) => ({
        nodeId: `${fileUuid}-${kb}-${i}`,
        text,
        // float32 values with long decimal forms: the round trip must give the very same floats
        embedding: Float32Array.from(axisVector(i % DIMS, 0.1 / (i + 3))),
        metadata: { file_uuid: fileUuid, knowledgebase_id: kb, embedding_hash: embeddingHash(space, `sha-of-${text}`) },
      }));

    it('keys a vector by provider, model, dimensions and text, not by where the chunk sits', () => {
      const key = embeddingHash(space, 'abc');
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(embeddingHash({ ...space }, 'abc')).toBe(key);
      for (const other of [
        { ...space, model: 'm2' },
        { ...space, dimensions: DIMS + 1 },
        { ...space, provider: 'local' },
      ]) {
        expect(embeddingHash(other, 'abc')).not.toBe(key);
      }
      expect(embeddingHash(space, 'abd')).not.toBe(key);
    });

    it("finds the file's own stored vectors by hash, exactly, one query per batch, and nothing of other files or knowledge bases", async () => {
      await store.ensureTable('reuse', DIMS);
      const file = randomUUID();
      const other = randomUUID();
      const texts = Array.from({ length: 12 }, (_, i) => `text ${i}`);
      const mine = hashedRows(file, 'kb', texts);
      await store.replaceFileChunks('reuse', { fileUuid: file, knowledgebaseId: 'kb' }, mine);
      // the same texts elsewhere: another file, and this file in another knowledge base
      await store.replaceFileChunks('reuse', { fileUuid: other, knowledgebaseId: 'kb' }, hashedRows(other, 'kb', ['only elsewhere', ...texts]));
      await store.replaceFileChunks('reuse', { fileUuid: file, knowledgebaseId: 'kb2' }, hashedRows(file, 'kb2', ['only in kb2']));

      // A store on a pool of its own to spy on: `pool` only stands for the block's pool (startedLater), so a spy on it would not see the calls.
      const counted = openPool({ max: 1 });
      const queries = jest.spyOn(counted, 'query');
      try {
        // Opening is one round trip: the file's hashes, nothing asked ahead of them.
        const stored = await new VectorStore(counted, { insertBatchRows: 7 }).storedEmbeddings('reuse', { fileUuid: file, knowledgebaseId: 'kb' });
        expect(queries).toHaveBeenCalledTimes(1);
        expect(stored.size).toBe(12);
        queries.mockClear();
        const wanted = [mine[3], mine[7], mine[11]].map((r) => r.metadata.embedding_hash as string);
        const unknown = [
          embeddingHash(space, 'sha-of-only elsewhere'),
          embeddingHash(space, 'sha-of-only in kb2'),
          embeddingHash({ ...space, model: 'm2' }, 'sha-of-text 3'),
        ];
        const found = await stored.take([...wanted, ...unknown]);
        expect(queries).toHaveBeenCalledTimes(1);
        expect([...found.keys()].sort()).toEqual([...wanted].sort());
        for (const row of [mine[3], mine[7], mine[11]]) expect(found.get(row.metadata.embedding_hash as string)).toEqual(row.embedding);
        queries.mockClear();
        expect((await stored.take(unknown)).size).toBe(0);
        expect(queries).not.toHaveBeenCalled(); // nothing stored for them: no query at all
      } finally {
        queries.mockRestore();
      }
    });

    it('answers nothing for a file replaced since the lookup was opened, or a table that does not exist', async () => {
      const file = randomUUID();
      const scope = { fileUuid: file, knowledgebaseId: 'kb' };
      const first = hashedRows(file, 'kb', ['a', 'b']);
      await store.replaceFileChunks('reuse', scope, first);
      const stale = await store.storedEmbeddings('reuse', scope);
      await store.replaceFileChunks('reuse', scope, hashedRows(file, 'kb', ['a', 'b'])); // new rows, new ids
      expect((await stale.take(first.map((r) => r.metadata.embedding_hash as string))).size).toBe(0);
      expect((await (await store.storedEmbeddings('reuse', scope)).take([first[0].metadata.embedding_hash as string])).size).toBe(1);
      const missing = await store.storedEmbeddings('no_such_table', scope);
      expect(missing.size).toBe(0);
      expect((await missing.take(['x'])).size).toBe(0);
    });
  });

  describe('full-text and hybrid search', () => {
    const file = randomUUID();
    const scope = { fileUuid: file, knowledgebaseId: 'kb' };
    /** Sixteen chunks about valves; the one naming part QX-7731 points away from the query's vector. */
    const corpus = (): ChunkRow[] =>
      Array.from({ length: 16 }, (_, i) => ({
        nodeId: `${file}-${i}`,
        text: i === 11 ? 'Replace the seal with part QX-7731 when the pressure valve leaks.' : `The pressure valve ${i} is inspected every spring.`,
        embedding: i === 11 ? axisVector(7) : axisVector(0, 0.05 * (i + 1)),
        metadata: { file_uuid: file, knowledgebase_id: 'kb', team_id: 7 },
      }));

    it('finds an exact part code by text and by hybrid search where the vector search misses it', async () => {
      await store.ensureTable('hybrid', DIMS);
      await store.replaceFileChunks('hybrid', scope, corpus());
      const query = { text: 'part QX-7731' };
      const byVector = await store.search('hybrid', axisVector(0), { knowledgebaseId: 'kb' }, 5);
      expect(byVector.map((h) => h.nodeId)).not.toContain(`${file}-11`);
      const byText = await store.search('hybrid', null, { knowledgebaseId: 'kb' }, 5, { mode: 'text', ...query });
      expect(byText[0].nodeId).toBe(`${file}-11`);
      expect(byText).toHaveLength(1); // the other chunks share no word with the query
      const byBoth = await store.search('hybrid', axisVector(0), { knowledgebaseId: 'kb' }, 5, { mode: 'hybrid', ...query });
      expect(byBoth).toHaveLength(5);
      expect(byBoth[0].nodeId).toBe(`${file}-11`); // first in one list beats second in the other
      expect(byBoth[1].nodeId).toBe(byVector[0].nodeId);
      const vectorRank = (await store.search('hybrid', axisVector(0), { knowledgebaseId: 'kb' }, 20)).findIndex((h) => h.nodeId === `${file}-11`) + 1;
      expect(byBoth[0].score).toBeCloseTo(1 / (60 + 1) + 1 / (60 + vectorRank), 10);
      expect(await store.search('hybrid', null, { knowledgebaseId: 'other' }, 5, { mode: 'text', ...query })).toEqual([]);
    });

    it('stems words with the configured language and matches any of the query words', async () => {
      const hits = await store.search('hybrid', null, { knowledgebaseId: 'kb' }, 20, { mode: 'text', text: 'inspections of valves', textSearchConfig: 'english' });
      // 'inspections' meets 'inspected' and 'valves' meets 'valve' only through the English stemmer
      expect(hits).toHaveLength(16);
      expect(hits.slice(0, 15).every((h) => /inspected/.test(h.text))).toBe(true);
      expect(hits[15].nodeId).toBe(`${file}-11`); // one of the two words: ranked last
      expect(await store.search('hybrid', null, { knowledgebaseId: 'kb' }, 20, { mode: 'text', text: 'inspections', textSearchConfig: 'simple' })).toEqual([]);
    });

    /** The configuration the table's trigger computes its full-text value in, from the catalogue. */
    const triggerConfig = async (table: string) => {
      const { rows: defs } = await pool.query(`SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = 'text_search_tsv'`, [
        table,
      ]);
      return defs[0]?.def.match(/\('(\w+)'\)/)?.[1];
    };
    /** Rows whose stored full-text value differs from to_tsvector(config, text). */
    const staleTsv = async (table: string, config: string) =>
      Number((await pool.query(`SELECT count(*) AS n FROM ${table} WHERE text_search_tsv IS DISTINCT FROM to_tsvector($1::regconfig, text)`, [config])).rows[0].n);

    it('adds the full-text column to a table made before it existed, on the first write or search, filled for its rows', async () => {
      await pool.query(`CREATE TABLE ai.data_legacy (id BIGSERIAL PRIMARY KEY, text VARCHAR NOT NULL, metadata_ JSONB, node_id VARCHAR, embedding VECTOR(${DIMS}))`);
      await pool.query(`INSERT INTO ai.data_legacy (text, metadata_, node_id, embedding) VALUES ('Le robinet fuit', '{"knowledgebase_id":"kb"}', 'n1', $1)`, [
        `[${axisVector(1).join(',')}]`,
      ]);
      const legacy = new VectorStore(pool);
      const hits = await legacy.search('legacy', null, { knowledgebaseId: 'kb' }, 5, { mode: 'text', text: 'robinets', textSearchConfig: 'french' });
      expect(hits.map((h) => h.nodeId)).toEqual(['n1']);
      expect(await triggerConfig('ai.data_legacy')).toBe('french');
      await new VectorStore(pool).ensureTable('legacy', DIMS, 'english'); // a second process: the table keeps french, nothing added, no error
      expect(await triggerConfig('ai.data_legacy')).toBe('french');
      const { rows: indexes } = await pool.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'ai' AND tablename = 'data_legacy' AND indexdef LIKE '%gin%'`);
      expect(indexes).toHaveLength(1);
      expect(await staleTsv('ai.data_legacy', 'french')).toBe(0);
    });

    it('keeps the full-text value what a generated column held: for writers that leave it out, on UPDATE of text, and for a table made with the generated column', async () => {
      // The layout before the trigger: a generated column in german.
      await pool.query(`CREATE TABLE ai.data_generated (id BIGSERIAL PRIMARY KEY, text VARCHAR NOT NULL, metadata_ JSONB, node_id VARCHAR, embedding VECTOR(${DIMS}),
        text_search_tsv tsvector GENERATED ALWAYS AS (to_tsvector('german'::regconfig, text)) STORED)`);
      await pool.query(`INSERT INTO ai.data_generated (text, metadata_, node_id, embedding) VALUES ('Die Häuser stehen', '{"knowledgebase_id":"kb"}', 'g1', $1)`, [
        `[${axisVector(1).join(',')}]`,
      ]);
      await new VectorStore(pool).ensureTable('generated', DIMS, 'english');
      expect(await triggerConfig('ai.data_generated')).toBe('german');
      // An outside writer (LlamaIndex's PGVectorStore) inserts without the column; another updates text.
      await pool.query(`INSERT INTO ai.data_generated (text, metadata_, node_id, embedding) VALUES ('Das Haus brennt', '{"knowledgebase_id":"kb"}', 'g2', $1)`, [
        `[${axisVector(2).join(',')}]`,
      ]);
      await pool.query(`UPDATE ai.data_generated SET text = 'Der Turm brennt' WHERE node_id = 'g1'`);
      expect(await staleTsv('ai.data_generated', 'german')).toBe(0);
      const hits = await new VectorStore(pool).search('generated', null, { knowledgebaseId: 'kb' }, 5, { mode: 'text', text: 'brennt', textSearchConfig: 'german' });
      expect(hits.map((h) => h.nodeId).sort()).toEqual(['g1', 'g2']);
    });

    it('computes the value only for a row inserted without one, outside plpgsql for the others, and again on UPDATE of text; an older table’s trigger is upgraded', async () => {
      /** Runs `work` in a transaction, answering it with how often the trigger function ran in it (pg_stat_xact_user_functions). */
      const triggerCalls = async (work: (client: PoolClient) => Promise<unknown>) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(`SET LOCAL track_functions = 'pl'`);
          // Counts not yet flushed to the statistics may be older than the transaction: the difference is its own.
          const calls = async () =>
            (await client.query(`SELECT coalesce(sum(calls), 0)::int AS n FROM pg_stat_xact_user_functions WHERE funcname = 'text_search_tsv_from_text'`)).rows[0]
              .n as number;
          const before = await calls();
          await work(client);
          const after = await calls();
          await client.query('COMMIT');
          return after - before;
        } finally {
          client.release();
        }
      };
      const insert = (client: PoolClient, table: string, nodeId: string, text: string, tsv: string | null) =>
        client.query(`INSERT INTO ${table} (text, metadata_, node_id, embedding, text_search_tsv) VALUES ($1, '{"knowledgebase_id":"kb"}', $2, $3, $4::tsvector)`, [
          text,
          nodeId,
          `[${axisVector(1).join(',')}]`,
          tsv,
        ]);
      const tsvOf = async (table: string, nodeId: string) => (await pool.query(`SELECT text_search_tsv::text AS v FROM ${table} WHERE node_id = $1`, [nodeId])).rows[0].v;

      // An older table: the one trigger of INSERT and UPDATE that every row entered.
      await store.ensureTable('trigger_when', DIMS);
      await pool.query(`DROP TRIGGER text_search_tsv ON ai.data_trigger_when; DROP TRIGGER IF EXISTS text_search_tsv_on_update ON ai.data_trigger_when`);
      await pool.query(
        `CREATE TRIGGER text_search_tsv BEFORE INSERT OR UPDATE OF text ON ai.data_trigger_when FOR EACH ROW EXECUTE FUNCTION ai.text_search_tsv_from_text('english')`,
      );
      expect(await triggerCalls((c) => insert(c, 'ai.data_trigger_when', 'old', 'the pumps', `'deliberate':1`))).toBe(1);

      await new VectorStore(pool).ensureTable('trigger_when', DIMS); // a process started after the upgrade
      expect(await triggerConfig('ai.data_trigger_when')).toBe('english');
      expect(await triggerCalls((c) => insert(c, 'ai.data_trigger_when', 'given', 'the valves', `'deliberate':1`))).toBe(0);
      expect(await tsvOf('ai.data_trigger_when', 'given')).toBe(`'deliberate':1`);
      expect(await triggerCalls((c) => insert(c, 'ai.data_trigger_when', 'left out', 'the valves leak', null))).toBe(1);
      expect(await tsvOf('ai.data_trigger_when', 'left out')).toBe(`'leak':3 'valv':2`);
      expect(await triggerCalls((c) => c.query(`UPDATE ai.data_trigger_when SET text = 'broken pipes' WHERE node_id = 'given'`))).toBe(1);
      expect(await tsvOf('ai.data_trigger_when', 'given')).toBe(`'broken':1 'pipe':2`);
    });

    it('stages the full-text value with the rows of a large file: after the swap every row holds to_tsvector of its text in the table’s configuration', async () => {
      await store.ensureTable('staged_tsv', DIMS, 'french');
      const file = randomUUID();
      const scope = { fileUuid: file, knowledgebaseId: 'kb' };
      const french = rows(file, 'kb', 11).map((row, i) => ({ ...row, text: `Les robinets ${i} fuient dans les maisons` }));
      const writer = new VectorStore(pool).fileChunkWriter('staged_tsv', scope, { memoryRows: 2, sliceRows: 3 });
      await writer.add(french);
      expect(writer.isStaging).toBe(true);
      // Computed while staging (slices go in the background), so that the swap only copies it.
      const staged = async () =>
        (
          await pool.query<{ rows: number; valued: number }>(
            `SELECT count(*)::int AS rows, count(text_search_tsv)::int AS valued FROM ai."${(await stagingTables())[0]}" WHERE text LIKE 'Les robinets %'`,
          )
        ).rows[0];
      for (let tries = 0; tries < 200 && (await staged()).rows < 9; tries++) await new Promise((resolve) => setTimeout(resolve, 25));
      const before = await staged();
      expect(before.rows).toBeGreaterThanOrEqual(9);
      expect(before.valued).toBe(before.rows);
      await writer.commit();
      expect(await staleTsv('ai.data_staged_tsv', 'french')).toBe(0);
      const hits = await store.search('staged_tsv', null, { knowledgebaseId: 'kb' }, 20, { mode: 'text', text: 'robinet', textSearchConfig: 'french' });
      expect(hits).toHaveLength(11);
    });

    it('refuses a language outside the allow-list before any SQL', async () => {
      await expect(store.search('hybrid', null, {}, 5, { mode: 'text', text: 'x', textSearchConfig: "english'); DROP TABLE x; --" as never })).rejects.toThrow(
        /not a text search configuration/,
      );
      await expect(store.ensureTable('hybrid', DIMS, 'klingon' as never)).rejects.toThrow(/use one of simple, english/);
    });
  });
});
