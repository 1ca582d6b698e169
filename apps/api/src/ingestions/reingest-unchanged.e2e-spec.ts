import { Storage } from '@google-cloud/storage';
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from '@docingest/embeddings/testing';
import { localStorageOptions } from '@docingest/local-gcs';
import { startApiStack, type ApiStack } from '../testing/api-stack';

// Re-ingestion through the whole system (api, Bull, the real ingestion service, PGlite, GCS):
// an unchanged object is skipped, a forced one runs again, an edited one embeds only its changed
// chunks (docs/wire-contract.md#re-ingestion). The embedding API is the one outside service: an
// OpenAI-compatible stand-in that records every input.
const KB = 'reuse';

const paragraph = (n: number, edit = '') =>
  `Section ${n}${edit}. The pump on line ${n * 3} is inspected every ${n + 1} weeks by the night crew, who note the pressure and the seal state in the ledger.`;
const document = (edited?: number) =>
  Array.from({ length: 12 }, (_, i) => paragraph(i + 1, edited === i + 1 ? ' was rewritten after the audit' : '')).join('\n\n') + '\n';

describe('re-ingesting a file: unchanged skipped, forced run again, edited re-embeds only what changed', () => {
  let embeddings: OpenAICompatibleServer;
  let stack: ApiStack;
  let storage: Storage;
  let fileUuid: string;
  let firstTokens = 0;

  beforeAll(async () => {
    embeddings = await startOpenAICompatibleServer({ dimensions: 16 });
    stack = await startApiStack({ ingestion: { env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: embeddings.baseURL } } });
    storage = new Storage(localStorageOptions(stack.gcs.url));
    await stack.createKnowledgeBase(KB, { embedding_provider: 'openai', embedding_model: 'reuse-embed', embedding_dimensions: 16, chunk_size: 48, chunk_overlap: 8 });
    const uploaded = await stack.upload('pumps.md', document());
    expect(uploaded.status).toBe(201);
    fileUuid = uploaded.body.uuid;
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await embeddings?.close();
  });

  /** Inputs the embedder was sent from request `from` on (the dimension probe left out). */
  const inputsSince = (from: number) => embeddings.requests.slice(from).flatMap((r) => r.inputs.filter((text) => text !== 'dimension probe'));
  const ingest = async (force = false) => {
    const from = embeddings.requests.length;
    const queued = await stack.request('POST', '/api/v1/files/ingest-selected', { file_uuids: [fileUuid], knowledgebase_id: KB, force });
    expect(queued.status).toBe(201);
    const link = await stack.waitForFinal(fileUuid, KB);
    expect(link).toMatchObject({ ingestion_status: 'completed', attempt: queued.body.queued[0].attempt });
    return { link, inputs: inputsSince(from) };
  };
  const events = (link: { ingestion_history: Array<{ event: string; reason?: string }> }) => link.ingestion_history.map((h) => h.event);

  it('embeds every chunk the first time and records the object version it read', async () => {
    const { link, inputs } = await ingest();
    expect(link.chunk_count).toBeGreaterThan(6);
    expect(inputs).toHaveLength(link.chunk_count);
    expect(link).toMatchObject({ chunks_embedded: link.chunk_count, chunks_reused: 0, object_generation: expect.stringMatching(/^\d+$/) });
    expect(link.object_crc32c).toMatch(/==$/);
    expect(link.embedding_tokens).toBeGreaterThan(link.chunk_count * 10);
    firstTokens = link.embedding_tokens;
    expect(await stack.vectorRows(KB, fileUuid)).toBe(link.chunk_count);
  });

  it('skips an unchanged object: completed at once, "unchanged, skipped" in its history, nothing sent to the embedder', async () => {
    const before = await stack.link(fileUuid, KB);
    expect(before.pages).toBeGreaterThan(0);
    const { link, inputs } = await ingest();
    expect(inputs).toEqual([]);
    expect(embeddings.requests.filter((r) => r.inputs[0] !== 'dimension probe').length).toBeGreaterThan(0);
    expect(link).toMatchObject({
      chunk_count: before.chunk_count,
      chunks_embedded: 0,
      chunks_reused: 0,
      embedding_tokens: 0,
      object_generation: before.object_generation,
      // It read no file: the page counts stay those of the attempt that did.
      pages: before.pages,
      pages_skipped: before.pages_skipped,
    });
    expect(link.ingestion_history).toEqual([expect.objectContaining({ event: 'unchanged_skipped', reason: expect.stringMatching(/^unchanged, skipped: /) })]);
    expect(await stack.vectorRows(KB, fileUuid)).toBe(before.chunk_count);
  });

  it('runs a forced attempt again: every chunk goes through the pipeline and takes its stored vector', async () => {
    const before = await stack.link(fileUuid, KB);
    const { link, inputs } = await ingest(true);
    expect(events(link)).not.toContain('unchanged_skipped');
    expect(inputs).toEqual([]);
    expect(link).toMatchObject({ chunk_count: before.chunk_count, chunks_embedded: 0, chunks_reused: before.chunk_count, current_stage: 'storing' });
    expect(await stack.vectorRows(KB, fileUuid)).toBe(before.chunk_count);
  });

  it('re-embeds only the chunks an edited paragraph changed, and search finds the new text', async () => {
    const before = await stack.link(fileUuid, KB);
    const { rows } = await stack.pool.query<{ storage_path: string }>('SELECT storage_path FROM files WHERE uuid = $1', [fileUuid]);
    const [, bucket, key] = /^gs:\/\/([^/]+)\/(.+)$/.exec(rows[0].storage_path)!;
    await storage.bucket(bucket).file(key).save(document(7), { resumable: false, contentType: 'text/markdown' });

    const { link, inputs } = await ingest();
    expect(events(link)).not.toContain('unchanged_skipped');
    expect(link.object_generation).not.toBe(before.object_generation);
    expect(inputs).toHaveLength(link.chunks_embedded);
    expect(link.chunks_embedded).toBeGreaterThan(0);
    expect(link.chunks_embedded).toBeLessThanOrEqual(3); // the edited paragraph's chunk and its neighbours' overlap
    expect(inputs.every((text) => /Section [678]/.test(text))).toBe(true);
    expect(link.chunks_embedded + link.chunks_reused).toBe(link.chunk_count);
    expect(link.embedding_tokens).toBeGreaterThan(0);
    expect(link.embedding_tokens).toBeLessThan(firstTokens / 3);

    const table = `ai.data_kb_${KB}`;
    const stored = await stack.pool.query<{ node_id: string; text: string }>(`SELECT node_id, text FROM ${table} WHERE metadata_->>'file_uuid' = $1`, [fileUuid]);
    expect(stored.rows).toHaveLength(link.chunk_count);
    expect(new Set(stored.rows.map((r) => r.node_id)).size).toBe(link.chunk_count);
    expect(stored.rows.some((r) => r.text.includes('rewritten after the audit'))).toBe(true);
    const search = await stack.request('POST', `/api/v1/knowledge-bases/${KB}/search`, { query: inputs.find((t) => t.includes('rewritten'))!, top_k: 1 });
    expect(search.status).toBe(200);
    expect(search.body.results[0].text).toContain('rewritten after the audit');
  });
});
