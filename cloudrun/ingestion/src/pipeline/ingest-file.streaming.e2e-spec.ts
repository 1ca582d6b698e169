import { randomUUID } from 'node:crypto';
import type { ProgressUpdate } from '@docingest/contracts';
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from '@docingest/embeddings/testing';
import { startIngestionStack, type IngestionStack } from '../testing/ingestion-stack';
import { stagedRows } from '@docingest/vector-store';

// Files larger than IN_MEMORY_CHUNKS, through the real service: read in sections, chunked,
// embedded and staged as they come, swapped in at the end. The embedding API is the one outside
// service, so it is an OpenAI-compatible server on loopback.
const MODEL = 'test-embed';
const IN_MEMORY_CHUNKS = 40;

/** Prose of about `paragraphs` × 400 characters, the same for the same seed. */
function prose(paragraphs: number, seed: number): string {
  const words = ['river', 'ledger', 'storm', 'harbour', 'valve', 'pump', 'keeper', 'signal', 'tower', 'supply', 'winter', 'north', 'boat', 'lamp', 'shift', 'crew'];
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % words.length;
  const sentence = () => {
    const body = Array.from({ length: 8 + (next() % 6) }, () => words[next()]).join(' ');
    return `${body.charAt(0).toUpperCase()}${body.slice(1)}.`;
  };
  return Array.from({ length: paragraphs }, () => Array.from({ length: 5 }, sentence).join(' ')).join('\n\n');
}

describe('POST /ingest-file with a file larger than IN_MEMORY_CHUNKS', () => {
  let embeddings: OpenAICompatibleServer;
  let stack: IngestionStack;

  beforeAll(async () => {
    embeddings = await startOpenAICompatibleServer({ dimensions: 16, delayMs: 20 });
    stack = await startIngestionStack({
      IN_MEMORY_CHUNKS: String(IN_MEMORY_CHUNKS),
      // These files go through a temporary file, as large downloads do (small ones are read into memory).
      DOWNLOAD_IN_MEMORY_MAX_BYTES: '1024',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: embeddings.baseURL,
      OPENAI_MAX_IN_FLIGHT: '2',
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await embeddings?.close();
  });

  const request = (path: string, fileUuid: string) => ({
    file_path: path,
    vector_table_name: 'kb_stream',
    file_uuid: fileUuid,
    link_id: 7,
    embedding_provider: 'openai',
    embedding_model: MODEL,
    chunk_size: 64,
    chunk_overlap: 8,
    batch_size: 8,
    progress_update_frequency: 10,
    user_uuid: 'user-1',
    team_id: 3,
    knowledgebase_id: 'streaming',
    project_id: 'p-1',
    custom_metadata: null,
    attempt: 1,
  });
  const staged = () => stagedRows(stack.pool);
  const expectMonotonic = (updates: ProgressUpdate[]) => {
    for (let i = 1; i < updates.length; i++) expect(updates[i].progress).toBeGreaterThanOrEqual(updates[i - 1].progress);
  };

  it('stores every chunk in file order, reports each stage, and re-ingesting keeps one set', async () => {
    const path = await stack.upload('big/manual.md', `# Manual\n\n${prose(200, 1)}\n`, 'text/markdown');
    const fileUuid = randomUUID();
    const { status, body } = await stack.call('/ingest-file', request(path, fileUuid));
    expect({ status, result: body.status }).toEqual({ status: 200, result: 'completed' });
    expect(body.chunks).toBeGreaterThan(IN_MEMORY_CHUNKS * 2);

    const rows = await stack.rowsFor('kb_stream', fileUuid);
    expect(rows).toHaveLength(body.chunks);
    expect(rows.map((r) => r.metadata_.chunk_index)).toEqual(rows.map((_, i) => i));
    expect(rows[0].text).toContain('Manual');
    expect(await staged()).toBe(0);
    // Each embedding request carried at most batch_size inputs, and every chunk was embedded once.
    const sent = embeddings.requests.filter((r) => r.inputs[0] !== 'dimension probe');
    expect(Math.max(...sent.map((r) => r.inputs.length))).toBeLessThanOrEqual(8);
    expect(sent.reduce((sum, r) => sum + r.inputs.length, 0)).toBe(body.chunks);

    const updates = stack.receiver.for(fileUuid);
    expectMonotonic(updates);
    expect(new Set(updates.map((u) => u.stage).filter(Boolean))).toEqual(new Set(['downloading', 'parsing', 'chunking', 'embedding', 'storing']));
    expect(updates.filter((u) => u.stage === 'embedding' && u.processed_docs > 0).length).toBeGreaterThan(1);
    expect(updates.at(-1)).toMatchObject({ status: 'completed', progress: 100, chunks: body.chunks, processed_docs: body.chunks });

    const requestsBefore = embeddings.requests.length;
    const again = await stack.call('/ingest-file', { ...request(path, fileUuid), attempt: 2 });
    expect(again.body.chunks).toBe(body.chunks);
    expect(embeddings.requests.length).toBe(requestsBefore); // the same text: every chunk took its stored vector
    expect((await stack.rowsFor('kb_stream', fileUuid)).map((r) => r.node_id)).toEqual(rows.map((r) => r.node_id));
  });

  it('ingests files at the same time, each file with its own chunks in order', async () => {
    const files = await Promise.all(
      [4, 5, 6].map(async (seed) => ({ path: await stack.upload(`many/${seed}.md`, prose(30 + seed * 10, seed), 'text/markdown'), fileUuid: randomUUID() })),
    );
    const answers = await Promise.all(files.map((f) => stack.call('/ingest-file', request(f.path, f.fileUuid))));
    for (const [i, { status, body }] of answers.entries()) {
      expect({ status, result: body.status }).toEqual({ status: 200, result: 'completed' });
      const rows = await stack.rowsFor('kb_stream', files[i].fileUuid);
      expect(rows).toHaveLength(body.chunks);
      expect(rows.map((r) => r.metadata_.chunk_index)).toEqual(rows.map((_, n) => n));
      expect(rows.every((r) => r.metadata_.file_uuid === files[i].fileUuid)).toBe(true);
    }
  });

  it('keeps the old set and leaves nothing staged when embedding fails midway', async () => {
    const path = await stack.upload('big/handbook.txt', prose(200, 2), 'text/plain');
    const fileUuid = randomUUID();
    const first = await stack.call('/ingest-file', request(path, fileUuid));
    expect(first.status).toBe(200);
    const before = (await stack.rowsFor('kb_stream', fileUuid)).map((r) => r.node_id);

    // The changed file's chunks get as far as the staging table, then the API refuses a request.
    // Every chunk of it is new text (upper case: prose of another seed repeats paragraphs), so none takes a stored vector.
    const changed = await stack.upload('big/handbook.txt', prose(200, 3).toUpperCase(), 'text/plain');
    const failing = stack.call('/ingest-file', { ...request(changed, fileUuid), attempt: 2 });
    while ((await staged()) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    embeddings.script({ status: 400, message: 'Invalid input' });
    const { status, body } = await failing;

    expect(status).toBe(502);
    expect(body).toMatchObject({ status: 'failed', stage: 'embedding' });
    expect(body.message).toMatch(/Invalid input/);
    expect((await stack.rowsFor('kb_stream', fileUuid)).map((r) => r.node_id)).toEqual(before);
    expect(await staged()).toBe(0);
    const final = stack.receiver.for(fileUuid).filter((u) => u.status === 'failed');
    expect(final).toEqual([expect.objectContaining({ status: 'failed', stage: 'embedding', attempt: 2 })]);
  });
});
