import { randomUUID } from 'node:crypto';
import * as fixtures from '@docingest/document-parsing/testing';
import { fakeEmbedding, startOpenAICompatibleServer, type OpenAICompatibleServer } from '@docingest/embeddings/testing';
import { parseVectorText } from '@docingest/vector-store';
import { startIngestionStack, type IngestionStack } from '../testing/ingestion-stack';

// Re-ingestion embeds only what changed (docs/wire-contract.md#re-ingestion), through the real
// service, PGlite and GCS; the embedding API, the one outside service, is an OpenAI-compatible
// server on loopback that records every input it is sent.
const MODEL = 'reuse-embed';
const DIMS = 16;

const paragraph = (page: number, variant = 0) =>
  `Page ${page} of the pump manual${variant ? `, revision ${variant}` : ''}: the valve on line ${page * 7} is checked every ${page + 2} days ` +
  `by the shift crew, who write the pressure reading and the seal state in the ledger kept beside pump ${page}.`;
const manual = (edited?: { page: number; variant: number }) =>
  Array.from({ length: 8 }, (_, i) => [paragraph(i + 1, edited?.page === i + 1 ? edited.variant : 0), `Pump ${i + 1} has its own spare seal kit on the shelf.`]);

describe('re-ingesting a file embeds only its changed chunks', () => {
  let embeddings: OpenAICompatibleServer;
  let stack: IngestionStack;

  beforeAll(async () => {
    embeddings = await startOpenAICompatibleServer({ dimensions: DIMS });
    stack = await startIngestionStack({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: embeddings.baseURL });
  });
  afterAll(async () => {
    await stack?.stop();
    await embeddings?.close();
  });

  const request = (path: string, fileUuid: string, attempt: number) => ({
    file_path: path,
    vector_table_name: 'kb_reuse',
    file_uuid: fileUuid,
    link_id: 5,
    embedding_provider: 'openai',
    embedding_model: MODEL,
    chunk_size: 48,
    chunk_overlap: 8,
    batch_size: 4,
    user_uuid: 'user-1',
    team_id: 3,
    knowledgebase_id: 'reuse',
    project_id: null,
    custom_metadata: null,
    attempt,
  });
  /** Inputs the embedder was sent from `from` on (the dimension probe left out). */
  const inputsSince = (from: number) => embeddings.requests.slice(from).flatMap((r) => r.inputs.filter((text) => text !== 'dimension probe'));
  const storedRows = async (fileUuid: string) =>
    (
      await stack.pool.query<{ node_id: string; text: string; metadata_: Record<string, any>; embedding: string }>(
        `SELECT node_id, text, metadata_, embedding::text AS embedding FROM ai.data_kb_reuse WHERE metadata_->>'file_uuid' = $1 ORDER BY id`,
        [fileUuid],
      )
    ).rows;
  const search = async (query: string) =>
    (
      await stack.call('/search', {
        query,
        vector_table_name: 'kb_reuse',
        embedding_provider: 'openai',
        embedding_model: MODEL,
        knowledgebase_id: 'reuse',
        top_k: 2,
      })
    ).body.results as Array<{ text: string; page: number; score: number }>;

  it('sends only the edited page to the embedder, stores one correct set, and search still finds old and new text', async () => {
    const fileUuid = randomUUID();
    const path = await stack.upload('reuse/manual.pdf', Buffer.from(await fixtures.buildPdf(manual())), 'application/pdf');
    let from = embeddings.requests.length;
    const first = await stack.call('/ingest-file', request(path, fileUuid, 1));
    expect(first.body).toMatchObject({ status: 'completed', chunks_embedded: first.body.chunks, chunks_reused: 0 });
    expect(inputsSince(from)).toHaveLength(first.body.chunks);
    expect(first.body.embedding_tokens).toBeGreaterThan(first.body.chunks * 10);
    const before = await storedRows(fileUuid);
    expect(before.every((r) => /^[0-9a-f]{64}$/.test(r.metadata_.embedding_hash))).toBe(true);

    await stack.upload('reuse/manual.pdf', Buffer.from(await fixtures.buildPdf(manual({ page: 5, variant: 2 }))), 'application/pdf');
    from = embeddings.requests.length;
    const second = await stack.call('/ingest-file', request(path, fileUuid, 2));
    expect(second.body.status).toBe('completed');
    const after = await storedRows(fileUuid);
    const pageFive = after.filter((r) => r.metadata_.page === 5);
    expect(pageFive.length).toBeGreaterThan(0);
    // Exactly the chunks of the edited page went to the embedder; every other chunk took its stored vector.
    expect(inputsSince(from).sort()).toEqual(pageFive.map((r) => r.text).sort());
    expect(second.body).toMatchObject({ chunks: after.length, chunks_embedded: pageFive.length, chunks_reused: after.length - pageFive.length });
    expect(second.body.embedding_tokens).toBeLessThan(first.body.embedding_tokens / 3);

    // One set, no duplicates, and every stored vector is the one the model gives for that row's text.
    expect(after).toHaveLength(second.body.chunks);
    expect(new Set(after.map((r) => r.node_id)).size).toBe(after.length);
    expect((await stack.pool.query(`SELECT count(*)::int AS n FROM ai.data_kb_reuse WHERE metadata_->>'file_uuid' = $1`, [fileUuid])).rows[0].n).toBe(after.length);
    for (const row of after) expect(Float32Array.from(parseVectorText(row.embedding))).toEqual(Float32Array.from(fakeEmbedding(row.text, DIMS)));
    expect(after.some((r) => r.text.includes('revision 2'))).toBe(true);
    expect(after.some((r) => r.metadata_.page === 5 && !r.text.includes('revision 2') && r.text.includes('Page 5 of the pump manual'))).toBe(false);

    const edited = pageFive.find((r) => r.text.includes('revision 2'))!;
    expect((await search(edited.text))[0]).toMatchObject({ text: edited.text, page: 5 });
    const unchanged = after.find((r) => r.metadata_.page === 2)!;
    const hits = await search(unchanged.text);
    expect(hits[0]).toMatchObject({ text: unchanged.text, page: 2 });
    expect(hits[0].score).toBeCloseTo(1, 5);
  });

  it('answers at once for an unchanged object: nothing sent to the embedder, nothing rewritten, and the final report says skipped', async () => {
    const fileUuid = randomUUID();
    const path = await stack.upload('reuse/unchanged.pdf', Buffer.from(await fixtures.buildPdf(manual().slice(0, 3))), 'application/pdf');
    const first = await stack.call('/ingest-file', request(path, fileUuid, 1));
    expect(first.body.object).toEqual({ generation: expect.stringMatching(/^\d+$/), crc32c: expect.any(String) });
    expect(stack.receiver.for(fileUuid).at(-1)).toMatchObject({ status: 'completed', object: first.body.object, chunks_embedded: first.body.chunks, chunks_reused: 0 });
    const ids = (await storedRows(fileUuid)).map((r) => r.node_id);
    const { rows: rowIds } = await stack.pool.query(`SELECT id FROM ai.data_kb_reuse WHERE metadata_->>'file_uuid' = $1 ORDER BY id`, [fileUuid]);

    const from = embeddings.requests.length;
    const gcsFrom = stack.gcsRequests.length;
    const skipped = await stack.call('/ingest-file', { ...request(path, fileUuid, 2), skip_if_unchanged: first.body.object });
    // One metadata read, and not a byte of the object downloaded.
    expect(stack.gcsRequests.slice(gcsFrom)).toEqual([expect.not.stringContaining('alt=media')]);
    expect(skipped.body).toMatchObject({
      status: 'completed',
      skipped: 'unchanged',
      chunks: first.body.chunks,
      chunks_embedded: 0,
      chunks_reused: 0,
      object: first.body.object,
    });
    expect(embeddings.requests.length).toBe(from);
    expect((await stack.pool.query(`SELECT id FROM ai.data_kb_reuse WHERE metadata_->>'file_uuid' = $1 ORDER BY id`, [fileUuid])).rows).toEqual(rowIds);
    expect(stack.receiver.for(fileUuid).filter((u) => u.attempt === 2)).toEqual([
      expect.objectContaining({ status: 'processing', stage: 'downloading' }),
      expect.objectContaining({ status: 'completed', skipped: 'unchanged', chunks: first.body.chunks, attempt: 2 }),
    ]);

    // A new version of the object is ingested (its unchanged pages reuse their vectors).
    await stack.upload('reuse/unchanged.pdf', Buffer.from(await fixtures.buildPdf(manual({ page: 1, variant: 3 }).slice(0, 3))), 'application/pdf');
    const changedFrom = stack.gcsRequests.length;
    const changed = await stack.call('/ingest-file', { ...request(path, fileUuid, 3), skip_if_unchanged: first.body.object });
    expect(changed.body.skipped).toBeUndefined();
    expect(stack.gcsRequests.slice(changedFrom)).toEqual([expect.not.stringContaining('alt=media'), expect.stringContaining('alt=media')]);
    expect(changed.body.object.generation).not.toBe(first.body.object.generation);
    expect(changed.body.chunks_embedded).toBeGreaterThan(0);
    expect(changed.body.chunks_reused).toBeGreaterThan(0);
    expect((await storedRows(fileUuid)).map((r) => r.node_id)).not.toEqual(ids);

    // The version matches but its chunks are gone: the file is ingested again, not reported as done.
    await stack.vectors.deleteFileChunks('kb_reuse', { fileUuid, knowledgebaseId: 'reuse' });
    const gone = await stack.call('/ingest-file', { ...request(path, fileUuid, 4), skip_if_unchanged: changed.body.object });
    expect(gone.body).toMatchObject({ status: 'completed', chunks_embedded: changed.body.chunks, chunks_reused: 0 });
    expect(gone.body.skipped).toBeUndefined();
    expect(await storedRows(fileUuid)).toHaveLength(changed.body.chunks);
  });

  it('reuses nothing across models: the same text through another model is embedded again', async () => {
    const fileUuid = randomUUID();
    const path = await stack.upload('reuse/models.pdf', Buffer.from(await fixtures.buildPdf(manual().slice(0, 2))), 'application/pdf');
    const first = await stack.call('/ingest-file', request(path, fileUuid, 1));
    expect(first.body.status).toBe('completed');
    const from = embeddings.requests.length;
    const other = await stack.call('/ingest-file', { ...request(path, fileUuid, 2), embedding_model: `${MODEL}-2` });
    expect(other.body).toMatchObject({ status: 'completed', chunks_embedded: first.body.chunks, chunks_reused: 0 });
    expect(inputsSince(from)).toHaveLength(first.body.chunks);
  });
});
