import { randomBytes, randomUUID } from 'node:crypto';
import * as fixtures from '@docingest/document-parsing/testing';
import type { ProgressUpdate } from '@docingest/contracts';
import { BUCKET, SYSTEM_KEY, startIngestionStack, type IngestionStack } from './testing/ingestion-stack';

const MODEL = 'universal-sentence-encoder-lite';
const KNOWN_SENTENCE = 'The lighthouse keeper logged every passing ship in a green leather ledger.';

const PDF_PAGES = [
  ['Quarterly maintenance covers the pumps, the valves and the cooling towers.', 'Each technician signs the inspection sheet before leaving the site.'],
  [KNOWN_SENTENCE, 'Storms in November delayed the supply boat by three days.'],
];

function request(filePath: string, overrides: Record<string, unknown> = {}) {
  return {
    file_path: filePath,
    vector_table_name: 'kb_e2e',
    file_uuid: randomUUID(),
    link_id: 41,
    embedding_provider: 'local',
    embedding_model: MODEL,
    chunk_size: 64,
    chunk_overlap: 8,
    user_uuid: 'user-1',
    team_id: 3,
    knowledgebase_id: 'handbook',
    project_id: 'p-9',
    custom_metadata: { department: 'ops' },
    attempt: 1,
    ...overrides,
  };
}

function expectMonotonic(updates: ProgressUpdate[]) {
  for (let i = 1; i < updates.length; i++) expect(updates[i].progress).toBeGreaterThanOrEqual(updates[i - 1].progress);
}

describe('POST /ingest-file', () => {
  let stack: IngestionStack;

  beforeAll(async () => {
    stack = await startIngestionStack({ MAX_FILE_BYTES: String(2 * 1024 * 1024) });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('ingests a PDF: chunks stored with their metadata, callbacks monotonic and ending completed', async () => {
    const path = await stack.upload('u/2026/11/28/manual.pdf', Buffer.from(await fixtures.buildPdf(PDF_PAGES)), 'application/pdf');
    const body = request(path);
    const { status, body: result } = await stack.call('/ingest-file', body);
    expect(status).toBe(200);
    expect(result).toMatchObject({ status: 'completed', file_uuid: body.file_uuid, link_id: 41, pages: 2, pages_skipped: 0 });
    expect(result.chunks).toBeGreaterThanOrEqual(2);
    expect(Object.keys(result.timings_ms).sort()).toEqual(['callbacks', 'chunk', 'download', 'embed', 'parse', 'store', 'total']);

    const rows = await stack.rowsFor('kb_e2e', body.file_uuid);
    expect(rows).toHaveLength(result.chunks);
    expect(rows[0].metadata_).toMatchObject({
      file_uuid: body.file_uuid,
      user_uuid: 'user-1',
      team_id: 3,
      knowledgebase_id: 'handbook',
      project_id: 'p-9',
      link_id: 41,
      department: 'ops',
      file_name: 'manual.pdf',
      page: 1,
      ref_doc_id: body.file_uuid,
    });
    expect(rows[0].metadata_.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.some((r) => r.metadata_.page === 2 && r.text.includes('lighthouse keeper'))).toBe(true);

    const updates = stack.receiver.for(body.file_uuid);
    expectMonotonic(updates);
    expect(updates.at(-1)).toMatchObject({ status: 'completed', progress: 100, chunks: result.chunks, link_id: 41, attempt: 1 });
    // The final report carries the whole outcome, page counts included (docs/wire-contract.md#progress-callback).
    expect(updates.at(-1)).toMatchObject({ pages: result.pages, pages_skipped: result.pages_skipped });
    expect(updates.filter((u) => u.status !== 'processing')).toHaveLength(1);
    expect(new Set(updates.map((u) => u.stage).filter(Boolean))).toEqual(new Set(['downloading', 'parsing', 'chunking', 'embedding', 'storing']));
    expect(stack.receiver.received.every((c) => c.authorization === `Api-Key ${SYSTEM_KEY}`)).toBe(true);
  });

  it('finds the known sentence first when searching the knowledge base', async () => {
    const { status, body } = await stack.call('/search', {
      query: 'Who kept a ledger of the ships passing the lighthouse?',
      vector_table_name: 'kb_e2e',
      embedding_provider: 'local',
      embedding_model: MODEL,
      knowledgebase_id: 'handbook',
      top_k: 3,
    });
    expect(status).toBe(200);
    expect(body.results[0].text).toContain('lighthouse keeper');
    expect(body.results[0]).toMatchObject({ file_name: 'manual.pdf', page: 2 });
  });

  it('finds an exact code by text and hybrid search, and answers a bad mode with 400 naming the field', async () => {
    const path = await stack.upload('u/parts.md', '# Parts\n\nOrder gasket kit RX-40917 for the north pump.\n', 'text/markdown');
    expect((await stack.call('/ingest-file', request(path))).body.status).toBe('completed');
    const search = (mode: string) =>
      stack.call('/search', {
        query: 'RX-40917',
        vector_table_name: 'kb_e2e',
        embedding_provider: 'local',
        embedding_model: MODEL,
        knowledgebase_id: 'handbook',
        top_k: 3,
        mode,
      });
    for (const mode of ['text', 'hybrid']) {
      const { status, body } = await search(mode);
      expect({ mode, status, first: body.results[0]?.text }).toEqual({ mode, status: 200, first: expect.stringContaining('RX-40917') });
    }
    expect((await search('text')).body.results).toHaveLength(1);
    const bad = await search('fuzzy');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid_request', field: expect.stringMatching(/mode/) });
    const badLanguage = await stack.call('/search', {
      query: 'x',
      vector_table_name: 'kb_e2e',
      embedding_provider: 'local',
      embedding_model: MODEL,
      mode: 'text',
      text_search_language: 'klingon',
    });
    expect(badLanguage.status).toBe(400);
    expect(badLanguage.body.field).toMatch(/text_search_language/);
  });

  it('ingests a DOCX and a Markdown file', async () => {
    const docx = await stack.upload(
      'u/notes.docx',
      Buffer.from(await fixtures.buildDocx(['Invoices are paid within thirty days.', 'Late fees apply after sixty days.'])),
    );
    const markdown = await stack.upload('u/guide.md', '# Guide\n\nRotate the backup tapes every Friday.\n\n## Access\n\nBadges expire after a year.\n', 'text/markdown');
    for (const path of [docx, markdown]) {
      const body = request(path);
      const { status, body: result } = await stack.call('/ingest-file', body);
      expect({ path, status, result: result.status }).toEqual({ path, status: 200, result: 'completed' });
      expect(await stack.rowsFor('kb_e2e', body.file_uuid)).toHaveLength(result.chunks);
    }
  });

  it('downloads a new file in one request to GCS, keeping the name it was uploaded under and the version of the bytes read', async () => {
    const names = { 'u/one-request.md': 'Wartung & Prüfung – Übersicht.md', 'u/ascii-name.md': 'Pump room notes.md', 'u/no-name.md': undefined };
    for (const [key, originalName] of Object.entries(names)) {
      await stack.storage
        .bucket(BUCKET)
        .file(key)
        .save('# Pumps\n\nThe relief valve opens at six bar.\n', { resumable: false, metadata: originalName ? { metadata: { originalName } } : {} });
      const [metadata] = await stack.storage.bucket(BUCKET).file(key).getMetadata();
      const from = stack.gcsRequests.length;
      const body = request(`gs://${BUCKET}/${key}`);
      const { body: result } = await stack.call('/ingest-file', body);
      expect(result).toMatchObject({ status: 'completed', object: { generation: String(metadata.generation), crc32c: metadata.crc32c } });
      const rows = await stack.rowsFor('kb_e2e', body.file_uuid);
      expect(rows[0].metadata_.file_name).toBe(originalName ?? 'no-name.md');
      const requests = stack.gcsRequests.slice(from);
      // A name in plain ASCII (or none) comes with the download; any other is read from the object's metadata.
      if (originalName?.startsWith('Wartung')) expect(requests).toEqual([expect.stringContaining('alt=media'), expect.not.stringContaining('alt=media')]);
      else expect(requests).toEqual([expect.stringContaining('alt=media')]);
    }
  });

  it('re-ingesting the same file leaves exactly one set of chunks with the same ids', async () => {
    const path = await stack.upload('u/reingest.pdf', Buffer.from(await fixtures.buildPdf(PDF_PAGES)), 'application/pdf');
    const body = request(path);
    const first = await stack.call('/ingest-file', body);
    const idsBefore = (await stack.rowsFor('kb_e2e', body.file_uuid)).map((r) => r.node_id);
    const second = await stack.call('/ingest-file', { ...body, attempt: 2 });
    expect(second.status).toBe(200);
    const idsAfter = (await stack.rowsFor('kb_e2e', body.file_uuid)).map((r) => r.node_id);
    expect(idsAfter).toHaveLength(first.body.chunks);
    expect(idsAfter.sort()).toEqual(idsBefore.sort());
  });

  it('deletes a file’s vectors and answers how many', async () => {
    const path = await stack.upload('u/delete.md', 'Delete me. I am temporary. Nothing here matters.');
    const body = request(path);
    const ingested = await stack.call('/ingest-file', body);
    const deleted = await stack.call('/delete-vectors', { vector_table_name: 'kb_e2e', file_uuid: body.file_uuid, knowledgebase_id: 'handbook' });
    expect(deleted).toEqual({ status: 200, body: { deleted: ingested.body.chunks } });
    expect(await stack.rowsFor('kb_e2e', body.file_uuid)).toEqual([]);
  });

  describe('bad input: the status, a failed callback with a clear message, no rows', () => {
    const cases: Array<[string, () => Promise<{ path: string; overrides?: Record<string, unknown>; headers?: Record<string, string> }>, number, RegExp]> = [
      ['an encrypted PDF', async () => ({ path: await stack.upload('bad/locked.pdf', Buffer.from(await fixtures.buildEncryptedPdf())) }), 422, /password/i],
      [
        'a corrupt PDF',
        async () => ({ path: await stack.upload('bad/corrupt.pdf', Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage')) }),
        422,
        /not a valid PDF|corrupt/i,
      ],
      ['an empty file', async () => ({ path: await stack.upload('bad/empty.txt', Buffer.alloc(0)) }), 422, /empty/i],
      ['an image-only PDF', async () => ({ path: await stack.upload('bad/scan.pdf', Buffer.from(await fixtures.buildImageOnlyPdf())) }), 422, /no text/i],
      ['an unsupported binary', async () => ({ path: await stack.upload('bad/blob.bin', randomBytes(4096)) }), 415, /unsupported/i],
      ['a missing object', async () => ({ path: `gs://${BUCKET}/bad/nothing-here.pdf` }), 404, /does not exist/],
      ['another bucket', async () => ({ path: 'gs://someone-elses-bucket/x.pdf' }), 400, /not one this service may read/],
      ['another scheme', async () => ({ path: 'file:///etc/passwd' }), 400, /gs:\/\/bucket\/key/],
      ['a traversal', async () => ({ path: `gs://${BUCKET}/a/../../etc/passwd` }), 400, /"\.\."/],
      ['an unknown field', async () => ({ path: `gs://${BUCKET}/u/guide.md`, overrides: { chunk_sise: 10 } }), 400, /unknown field 'chunk_sise'/],
      [
        'chunk_overlap not below chunk_size',
        async () => ({ path: `gs://${BUCKET}/u/guide.md`, overrides: { chunk_size: 100, chunk_overlap: 100 } }),
        400,
        /chunk_overlap/,
      ],
      ['an oversized file', async () => ({ path: await stack.upload('bad/huge.txt', Buffer.alloc(3 * 1024 * 1024, 'a ')) }), 413, /over the limit/],
      [
        'a table name that is not an identifier',
        async () => ({ path: `gs://${BUCKET}/u/guide.md`, overrides: { vector_table_name: 'x; DROP TABLE ai.data_kb_e2e' } }),
        400,
        /vector_table_name/,
      ],
    ];

    it.each(cases)('%s', async (_name, setup, expectedStatus, message) => {
      const { path, overrides } = await setup();
      const body = request(path, overrides);
      const response = await stack.call('/ingest-file', body);
      expect(response.status).toBe(expectedStatus);
      expect(response.body).toMatchObject({ statusCode: expectedStatus, status: 'failed' });
      expect(response.body.message).toMatch(message);
      const final = stack.receiver.for(body.file_uuid).filter((u) => u.status !== 'processing');
      expect(final).toHaveLength(1);
      expect(final[0]).toMatchObject({ status: 'failed', link_id: 41 });
      expect(final[0].error).toMatch(message);
      expect(await stack.rowsFor('kb_e2e', body.file_uuid)).toEqual([]);
    });

    it('refuses a request without credentials or with a wrong key, and starts nothing', async () => {
      const body = request(`gs://${BUCKET}/u/guide.md`);
      expect((await stack.call('/ingest-file', body, {})).status).toBe(401);
      expect((await stack.call('/ingest-file', body, { authorization: 'Api-Key wrong' })).status).toBe(401);
      expect((await stack.call('/delete-vectors', {}, {})).status).toBe(401);
      expect((await stack.call('/search', {}, { authorization: 'Bearer admin' })).status).toBe(401);
      expect(stack.receiver.for(body.file_uuid)).toEqual([]);
      expect(await stack.rowsFor('kb_e2e', body.file_uuid)).toEqual([]);
    });

    it('answers malformed JSON with 400', async () => {
      const response = await stack.call('/ingest-file', '{"file_path": ');
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(/not valid JSON/);
    });

    it('refuses an embedding model whose dimension differs from the table, writing nothing', async () => {
      await stack.vectors.ensureTable('kb_small', 16);
      const body = request(`gs://${BUCKET}/u/guide.md`, { vector_table_name: 'kb_small' });
      const response = await stack.call('/ingest-file', body);
      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(/16-dimension vectors but the embedding model gives 512/);
      expect(await stack.rowsFor('kb_small', body.file_uuid)).toEqual([]);
    });
  });

  it('still completes when the api cannot take the callbacks', async () => {
    const path = await stack.upload('u/callbacks-down.md', 'Callbacks may fail. The ingestion must not.');
    const body = request(path);
    stack.receiver.answerStatus = 503;
    try {
      const response = await stack.call('/ingest-file', body);
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('completed');
      expect(await stack.rowsFor('kb_e2e', body.file_uuid)).toHaveLength(response.body.chunks);
    } finally {
      stack.receiver.answerStatus = 200;
    }
  });

  it('serves its health checks without credentials and its OpenAPI document with them', async () => {
    expect((await fetch(`${stack.url}/`)).status).toBe(200);
    expect(await (await fetch(`${stack.url}/health/ready`)).json()).toEqual({ status: 'ready', database: 'ok' });
    expect((await fetch(`${stack.url}/openapi.json`)).status).toBe(401);
    const doc = await (await fetch(`${stack.url}/openapi.json`, { headers: { authorization: `Api-Key ${SYSTEM_KEY}` } })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/ingest-file', '/delete-vectors', '/search']));
    expect(doc.paths['/ingest-file'].post.requestBody.content['application/json'].schema.required).toContain('file_uuid');
  });
});
