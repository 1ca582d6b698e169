import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { localStorageOptions } from '@docingest/local-gcs';
import { waitUntil } from '@docingest/contracts/testing';
import { ADMIN_KEY, BUCKET, startApiStack, type ApiStack } from '../testing/api-stack';

/**
 * A prefix import through the api with real Redis, PGlite, the GCS server (official client) and
 * the real ingestion service. CI runs a few hundred tiny files; IMPORT_E2E_OBJECTS=2500 (or more)
 * is the full run, whose figures go to reports/imports/import-run.json.
 */
const OBJECTS = Number(process.env.IMPORT_E2E_OBJECTS || 200);
const PAGE_SIZE = 100;
const KB = 'imported';

describe(`import from a gs:// prefix (${OBJECTS} objects, pages of ${PAGE_SIZE})`, () => {
  let stack: ApiStack;
  let storage: Storage;
  const listRequests: string[] = [];
  const sentences = (i: number) => `Document ${i} records inspection ${i * 7} of pump ${i % 13}. The valve was replaced on day ${i % 28}.`;

  beforeAll(async () => {
    stack = await startApiStack({ apiEnv: { IMPORT_LIST_PAGE_SIZE: String(PAGE_SIZE), GCS_ALLOWED_BUCKETS: BUCKET } });
    await stack.createKnowledgeBase(KB);
    storage = new Storage(localStorageOptions(stack.gcs.url));
    const names = [...Array.from({ length: OBJECTS }, (_, i) => `corpus/${String(i).padStart(5, '0')}.txt`), 'corpus/tmp/a.tmp', 'corpus/tmp/b.tmp'];
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map((name, j) =>
          storage
            .bucket(BUCKET)
            .file(name)
            .save(sentences(i + j), { resumable: false, contentType: 'text/plain' }),
        ),
      );
    }
    stack.gcs.server.on('request', (req) => {
      if (req.method === 'GET' && new RegExp(`^/storage/v1/b/${BUCKET}/o(\\?|$)`).test(req.url ?? '')) listRequests.push(req.url!);
    });
  }, 300_000);
  afterAll(() => stack?.stop());

  const path = (id = '') => `/api/v1/knowledge-bases/${KB}/imports${id ? `/${id}` : ''}`;
  const waitForImport = (id: string, timeoutMs: number) =>
    waitUntil(
      `import ${id} to end`,
      async () => {
        const { body } = await stack.request('GET', path(id));
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      timeoutMs,
    );

  let importId: string;

  it(
    'lists every page, registers and queues each object once, and ends with every file completed',
    async () => {
      listRequests.length = 0;
      const started = Date.now();
      const created = await stack.request('POST', path(), { gcs_uri: `gs://${BUCKET}/corpus/`, exclude: ['tmp/**'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ knowledgebase_id: KB, gcs_uri: `gs://${BUCKET}/corpus/`, exclude: ['tmp/**'], include: [], error: null });
      expect(['listing', 'running']).toContain(created.body.status);
      importId = created.body.import_id;

      const listed = await waitUntil('the listing to end', async () => {
        const { body } = await stack.request('GET', path(importId));
        return body.status !== 'listing' ? body : undefined;
      });
      const listedAfterMs = Date.now() - started;
      // Once listed, every object is registered and queued (or already final).
      expect(listed.counts).toMatchObject({ listed: OBJECTS, queued: OBJECTS });
      const done = await waitForImport(importId, 120_000 + OBJECTS * 500);
      const completedAfterMs = Date.now() - started;
      expect(done).toMatchObject({ status: 'completed', counts: { listed: OBJECTS, skipped_unchanged: 0, queued: OBJECTS, completed: OBJECTS, failed: 0 } });
      // OBJECTS + 2 names in pages of PAGE_SIZE, each page one request with the client's page token.
      const pages = Math.ceil((OBJECTS + 2) / PAGE_SIZE);
      expect(done.pages_listed).toBe(pages);
      expect(listRequests).toHaveLength(pages);
      expect(listRequests.filter((url) => url.includes('pageToken='))).toHaveLength(pages - 1);
      expect(listRequests.every((url) => url.includes(`maxResults=${PAGE_SIZE}`))).toBe(true);
      expect(done.completed_at).not.toBeNull();

      const files = await stack.pool.query(`SELECT count(*)::int AS n FROM files WHERE storage_path LIKE $1`, [`gs://${BUCKET}/corpus/%`]);
      expect(files.rows[0].n).toBe(OBJECTS);

      const { body: results } = await stack.request('GET', `${path(importId)}/results`);
      expect(results.results).toHaveLength(OBJECTS);
      expect(results.results[0]).toEqual({
        object: `gs://${BUCKET}/corpus/00000.txt`,
        generation: expect.stringMatching(/^\d+$/),
        file_uuid: expect.any(String),
        status: 'completed',
        chunks: expect.any(Number),
        error: null,
      });
      expect(results.results.every((r: any) => r.status === 'completed' && r.chunks >= 1)).toBe(true);
      expect(await stack.vectorRows(KB, results.results[0].file_uuid)).toBe(results.results[0].chunks);

      const figures = {
        objects: OBJECTS,
        page_size: PAGE_SIZE,
        pages_listed: done.pages_listed,
        listing_ms: done.listing_ms,
        listed_after_ms: listedAfterMs,
        completed_after_ms: completedAfterMs,
        files_per_second_to_completed: Number((OBJECTS / (completedAfterMs / 1000)).toFixed(2)),
        result_sample: results.results.slice(0, 3),
      };
      mkdirSync(join(__dirname, '../../../../reports/imports'), { recursive: true });
      writeFileSync(join(__dirname, '../../../../reports/imports/import-run.json'), `${JSON.stringify(figures, null, 2)}\n`);
      process.stdout.write(`import figures: ${JSON.stringify(figures)}\n`);
    },
    Math.max(900_000, 300_000 + OBJECTS * 600),
  );

  it('downloads the results as CSV, by ?format=csv and by Accept, and refuses another format', async () => {
    const byQuery = await fetch(`${stack.apiUrl}${path(importId)}/results?format=csv`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(byQuery.headers.get('content-type')).toMatch(/^text\/csv/);
    const csv = await byQuery.text();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('object,status,chunks,error');
    expect(lines).toHaveLength(OBJECTS + 1);
    expect(lines[1]).toMatch(new RegExp(`^gs://${BUCKET}/corpus/00000\\.txt,completed,\\d+,$`));
    const byAccept = await fetch(`${stack.apiUrl}${path(importId)}/results`, { headers: { authorization: `Bearer ${ADMIN_KEY}`, accept: 'text/csv' } });
    expect(await byAccept.text()).toBe(csv);
    const bad = await stack.request('GET', `${path(importId)}/results?format=xml`);
    expect(bad).toMatchObject({ status: 400, body: { field: 'format' } });
  });

  it('imports the same prefix again: every object skipped unchanged, nothing queued', async () => {
    const before = await stack.pool.query(`SELECT count(*)::int AS n, sum(attempt)::int AS attempts FROM file_knowledge_base_links WHERE knowledgebase_id = $1`, [KB]);
    const created = await stack.request('POST', path(), { gcs_uri: `gs://${BUCKET}/corpus`, exclude: ['tmp/**'] });
    expect(created.status).toBe(201);
    const done = await waitForImport(created.body.import_id, 120_000);
    expect(done).toMatchObject({ status: 'completed', counts: { listed: OBJECTS, skipped_unchanged: OBJECTS, queued: 0, completed: 0, failed: 0 } });
    const after = await stack.pool.query(`SELECT count(*)::int AS n, sum(attempt)::int AS attempts FROM file_knowledge_base_links WHERE knowledgebase_id = $1`, [KB]);
    expect(after.rows[0]).toEqual(before.rows[0]);
    const { body } = await stack.request('GET', `${path(created.body.import_id)}/results`);
    expect(body.results.every((r: any) => r.status === 'skipped_unchanged' && r.chunks >= 1)).toBe(true);
  }, 180_000);

  it('re-queues a changed object (new generation) on the same file, and reports an empty new one as failed with the reason', async () => {
    const changedName = 'corpus/00001.txt';
    const [before] = await storage.bucket(BUCKET).file(changedName).getMetadata();
    await storage.bucket(BUCKET).file(changedName).save('Rewritten: the pump now runs on solar power and needs no valve.', { resumable: false });
    await storage.bucket(BUCKET).file('corpus/zz-empty.txt').save('', { resumable: false });
    const created = await stack.request('POST', path(), { gcs_uri: `gs://${BUCKET}/corpus/`, include: ['*.txt'] });
    expect(created.status).toBe(201);
    const done = await waitForImport(created.body.import_id, 120_000);
    expect(done).toMatchObject({ status: 'completed', counts: { listed: OBJECTS + 1, skipped_unchanged: OBJECTS - 1, queued: 2, completed: 1, failed: 1 } });
    const { body } = await stack.request('GET', `${path(created.body.import_id)}/results`);
    const changed = body.results.find((r: any) => r.object === `gs://${BUCKET}/${changedName}`);
    expect(changed).toMatchObject({ status: 'completed', error: null });
    expect(changed.generation).not.toBe(String(before.generation));
    const original = (await stack.request('GET', `${path(importId)}/results`)).body.results.find((r: any) => r.object === changed.object);
    expect(original.file_uuid).toBe(changed.file_uuid);
    // The first import's attempt of that file was replaced by this one.
    expect(original.status).toBe('superseded');
    const link = await stack.link(changed.file_uuid, KB);
    expect(link).toMatchObject({ attempt: 2, ingestion_status: 'completed' });
    const search = await stack.request('POST', `/api/v1/knowledge-bases/${KB}/search`, { query: 'solar power', top_k: 1, mode: 'text' });
    expect(search.body.results[0]).toMatchObject({ file_uuid: changed.file_uuid });
    const empty = body.results.find((r: any) => r.object === `gs://${BUCKET}/corpus/zz-empty.txt`);
    expect(empty).toMatchObject({ status: 'failed', chunks: null, error: expect.stringMatching(/empty/) });
  }, 180_000);

  it('refuses bad input with the status and field at fault, and creates no import', async () => {
    const count = async () => (await stack.pool.query(`SELECT count(*)::int AS n FROM imports`)).rows[0].n;
    const before = await count();
    const cases: Array<[unknown, number, string, string?]> = [
      [{ gcs_uri: 'https://storage.googleapis.com/docs/corpus/' }, 400, 'gcs_uri', 'invalid_path'],
      [{ gcs_uri: 'gs://docs/corpus/../secrets/' }, 400, 'gcs_uri', 'invalid_path'],
      [{ gcs_uri: 'gs://someone-elses-bucket/' }, 403, 'gcs_uri', 'bucket_not_allowed'],
      [{ gcs_uri: 'gs://docs/nothing-here/' }, 404, 'gcs_uri', 'empty_prefix'],
      [{ gcs_uri: 'gs://docs/corpus/', include: ['**/*.pdf'] }, 404, 'include', 'empty_prefix'],
      [{ gcs_uri: 'gs://docs/corpus/', exclude: ['[draft'] }, 400, 'exclude', 'invalid_path'],
      [{ gcs_uri: 'gs://docs/corpus/', recursive: true }, 400, 'recursive', 'invalid_request'],
    ];
    for (const [body, status, field, code] of cases) {
      const answer = await stack.request('POST', path(), body);
      expect({ body, status: answer.status, field: answer.body.field, code: answer.body.code }).toEqual({ body, status, field, code });
      expect(answer.body.message).toEqual(expect.any(String));
    }
    const none = await stack.request('POST', path(), { gcs_uri: 'gs://docs/nothing-here/' });
    expect(none.body.message).toBe('there is no object under gs://docs/nothing-here/');
    expect(await count()).toBe(before);

    expect((await stack.request('POST', '/api/v1/knowledge-bases/no-such-kb/imports', { gcs_uri: 'gs://docs/corpus/' })).status).toBe(404);
    expect((await stack.request('POST', path(), { gcs_uri: 'gs://docs/corpus/' }, null)).status).toBe(401);
    expect((await stack.request('GET', path(importId), undefined, null)).status).toBe(401);
    expect((await stack.request('GET', `${path(importId)}/results`, undefined, 'Bearer wrong-key')).status).toBe(401);
    expect((await stack.request('GET', path('7b0c9f7e-5a7c-4c41-9d69-0b1de4a0f1a1'))).body).toMatchObject({ code: 'unknown_import' });
    expect((await stack.request('GET', `/api/v1/knowledge-bases/default-other/imports/${importId}`)).status).toBe(404);
  });
});
