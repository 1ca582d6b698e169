import { randomBytes } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { IngestFileRequestSchema, validatorFor } from '@docingest/contracts';
import { localStorageOptions } from '@docingest/local-gcs';
import { hang, waitUntil } from '@docingest/contracts/testing';
import { BUCKET, SYSTEM_KEY } from '../testing/api-stack';
import { useApiStack } from '../testing/use-api-stack';

const MAX_BYTES = 256 * 1024;
const utcDay = () => new Date().toISOString().slice(0, 10).replace(/-/g, '/');

describe('files: uploads to the bucket and per-knowledge-base listing', () => {
  // The ingestion service is a stand-in that accepts each dispatch and keeps it running.
  const { stack, standIn, queue } = useApiStack({
    standIn: hang,
    apiEnv: { UPLOAD_MAX_BYTES: String(MAX_BYTES), SHUTDOWN_GRACE_MS: '200' },
    knowledgeBases: ['manuals'],
  });
  let storage: Storage;

  beforeAll(() => {
    storage = new Storage(localStorageOptions(stack.gcs.url));
  });

  const objectNames = async () => (await storage.bucket(BUCKET).getFiles())[0].map((f) => f.name).sort();
  const fileRows = async () => (await stack.pool.query(`SELECT * FROM files ORDER BY uuid`)).rows;
  const keyOf = (storagePath: string) => storagePath.replace(`gs://${BUCKET}/`, '');
  const progress = (uuid: string, update: Record<string, unknown>) => stack.request('POST', `/api/v1/files/${uuid}/update-progress`, update, `Api-Key ${SYSTEM_KEY}`);

  it('stores the exact bytes under uploads/<user>/<yyyy>/<mm>/<dd>/<uuid>-<name> and records the file', async () => {
    const bytes = Buffer.concat([Buffer.from([...Array(256).keys()]), randomBytes(100_000)]);
    const dayBefore = utcDay();
    const { status, body } = await stack.upload('pump manual.bin', bytes, { user_uuid: 'user-42', team_id: 'team-a', project_id: 'p-1' });
    const dayAfter = utcDay();
    expect(status).toBe(201);
    expect(body).toMatchObject({
      title: 'pump manual.bin',
      size: bytes.length,
      user_uuid: 'user-42',
      team_id: 'team-a',
      project_id: 'p-1',
      knowledgebase_id: null,
      ingestion: null,
    });
    const key = keyOf(body.storage_path);
    expect(body.storage_path).toBe(`gs://${BUCKET}/${key}`);
    expect([`uploads/user-42/${dayBefore}/${body.uuid}-pump manual.bin`, `uploads/user-42/${dayAfter}/${body.uuid}-pump manual.bin`]).toContain(key);

    const [stored] = await storage.bucket(BUCKET).file(key).download();
    expect(stored.equals(bytes)).toBe(true);
    const row = (await stack.pool.query(`SELECT title, storage_path, size::int AS size, user_uuid FROM files WHERE uuid = $1`, [body.uuid])).rows[0];
    expect(row).toEqual({ title: 'pump manual.bin', storage_path: body.storage_path, size: bytes.length, user_uuid: 'user-42' });
    expect((await stack.request('GET', `/api/v1/files/${body.uuid}/progress`)).body.links).toEqual([]);
  });

  it('keeps the user and the file name inside their own key segments', async () => {
    const { status, body } = await stack.upload('../../etc/passwd', 'not a password file', { user_uuid: '../admin/x' });
    expect(status).toBe(201);
    const parts = keyOf(body.storage_path).split('/');
    expect(parts).toHaveLength(6);
    expect(parts[0]).toBe('uploads');
    expect(parts[1]).not.toMatch(/\.\.|\//);
    expect(parts[5].startsWith(`${body.uuid}-`)).toBe(true);
    expect(parts[5]).not.toContain('..');
    const [stored] = await storage.bucket(BUCKET).file(keyOf(body.storage_path)).download();
    expect(stored.toString()).toBe('not a password file');
  });

  it('links the upload to a knowledge base without queueing it unless auto_ingest is set', async () => {
    const jobsBefore = await queue.getJobCounts();
    const { status, body } = await stack.upload('notes.md', '# Notes\n\nValves are checked weekly.', { knowledgebase_id: 'manuals' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ knowledgebase_id: 'manuals', ingestion: null });
    expect(await stack.link(body.uuid, 'manuals')).toMatchObject({ ingestion_status: 'not_started', attempt: 0 });
    expect(await queue.getJobCounts()).toEqual(jobsBefore);
    expect(standIn.dispatches.filter((d) => d.body.file_uuid === body.uuid)).toEqual([]);
  });

  it('queues an upload sent with auto_ingest: the dispatch carries the file and the knowledge base settings', async () => {
    const { status, body } = await stack.upload('valves.md', '# Valves\n\nEvery valve is tested twice a year.', {
      user_uuid: 'user-42',
      knowledgebase_id: 'manuals',
      auto_ingest: 'true',
    });
    expect(status).toBe(201);
    expect(body.ingestion).toMatchObject({ file_uuid: body.uuid, attempt: 1, job_id: `link-${body.ingestion.link_id}-attempt-1` });

    const dispatch = await waitUntil('the dispatch of the upload', async () => standIn.dispatches.find((d) => d.body.file_uuid === body.uuid), 30_000);
    expect(dispatch.method).toBe('POST');
    expect(dispatch.headers.authorization).toBe(`Api-Key ${SYSTEM_KEY}`);
    const checked = validatorFor(IngestFileRequestSchema)(dispatch.body);
    expect(checked).toMatchObject({ ok: true });
    expect(dispatch.body).toMatchObject({
      file_path: body.storage_path,
      vector_table_name: 'kb_manuals',
      link_id: body.ingestion.link_id,
      attempt: 1,
      embedding_provider: 'local',
      embedding_model: 'universal-sentence-encoder-lite',
      chunk_size: 64,
      chunk_overlap: 8,
      user_uuid: 'user-42',
      knowledgebase_id: 'manuals',
    });
    expect(await stack.link(body.uuid, 'manuals')).toMatchObject({ ingestion_status: 'processing', attempt: 1 });
  });

  it.each([
    [
      'a multipart body with no file part',
      () => {
        const form = new FormData();
        form.append('knowledgebase_id', 'manuals');
        return form;
      },
      400,
      'file',
    ],
    [
      'a file sent under another part name',
      () => {
        const form = new FormData();
        form.append('document', new Blob(['hello']), 'hello.txt');
        return form;
      },
      400,
      'file',
    ],
    ['JSON instead of multipart', () => ({ file: 'hello' }), 415, undefined],
  ])('refuses %s, storing nothing', async (_what, makeBody, expected, field) => {
    const [objectsBefore, rowsBefore] = [await objectNames(), await fileRows()];
    const { status, body } = await stack.request('POST', '/api/v1/files', makeBody());
    expect(status).toBe(expected);
    if (field) expect(body).toMatchObject({ field });
    expect(body.message).toMatch(/file|multipart/);
    expect(await objectNames()).toEqual(objectsBefore);
    expect(await fileRows()).toEqual(rowsBefore);
  });

  it('refuses an upload to an unknown knowledge base with 404, removing the object it had stored', async () => {
    const [objectsBefore, rowsBefore] = [await objectNames(), await fileRows()];
    const { status, body } = await stack.upload('orphan.txt', 'nobody wants me', { knowledgebase_id: 'no-such-kb' });
    expect(status).toBe(404);
    expect(body.message).toContain('no-such-kb');
    expect(await objectNames()).toEqual(objectsBefore);
    expect(await fileRows()).toEqual(rowsBefore);
  });

  it('refuses a file over UPLOAD_MAX_BYTES with 413, leaving nothing in the bucket', async () => {
    const [objectsBefore, rowsBefore] = [await objectNames(), await fileRows()];
    const { status, body } = await stack.upload('huge.bin', randomBytes(MAX_BYTES + 1), { knowledgebase_id: 'manuals' });
    expect(status).toBe(413);
    expect(body.message).toContain(String(MAX_BYTES));
    expect(await objectNames()).toEqual(objectsBefore);
    expect(await fileRows()).toEqual(rowsBefore);
  });

  it('lists the files of a knowledge base with status, progress, stage, chunks and error', async () => {
    const a = (await stack.upload('a.md', 'alpha', { knowledgebase_id: 'manuals', auto_ingest: 'true' })).body;
    const b = (await stack.upload('b.md', 'beta', { knowledgebase_id: 'manuals', auto_ingest: 'true' })).body;
    const c = (await stack.upload('c.md', 'gamma', { knowledgebase_id: 'manuals', auto_ingest: 'true' })).body;
    for (const f of [a, b, c]) await waitUntil(`${f.title} processing`, async () => (await stack.link(f.uuid, 'manuals'))?.ingestion_status === 'processing', 30_000);
    const running = { progress: 42.5, processed_docs: 17, total_docs: 40, link_id: a.ingestion.link_id, attempt: 1, status: 'processing', stage: 'embedding' };
    expect((await progress(a.uuid, running)).status).toBe(200);
    const failure = {
      progress: 7,
      processed_docs: 0,
      total_docs: 0,
      link_id: b.ingestion.link_id,
      attempt: 1,
      status: 'failed',
      stage: 'parsing',
      error: 'the PDF is password-protected',
    };
    expect((await progress(b.uuid, failure)).status).toBe(200);
    const done = { progress: 100, processed_docs: 12, total_docs: 12, link_id: c.ingestion.link_id, attempt: 1, status: 'completed', stage: 'storing', chunks: 12 };
    expect((await progress(c.uuid, done)).status).toBe(200);

    const { status, body } = await stack.request('GET', '/api/v1/knowledge-bases/manuals/files');
    expect(status).toBe(200);
    const byUuid = (uuid: string) => body.items.find((item: { uuid: string }) => item.uuid === uuid);
    expect(byUuid(a.uuid)).toMatchObject({
      title: 'a.md',
      storage_path: a.storage_path,
      link_id: a.ingestion.link_id,
      ingestion_status: 'processing',
      ingestion_progress: 42.5,
      current_stage: 'embedding',
      processed_docs: 17,
      total_docs: 40,
      chunk_count: null,
      ingestion_error: null,
      attempt: 1,
    });
    expect(byUuid(c.uuid)).toMatchObject({ ingestion_status: 'completed', ingestion_progress: 100, current_stage: 'storing', chunk_count: 12, ingestion_error: null });
    expect(byUuid(b.uuid)).toMatchObject({
      ingestion_status: 'failed',
      current_stage: 'parsing',
      ingestion_error: 'the PDF is password-protected',
      ingestion_completed_at: expect.any(String),
    });
    // Only files linked to this knowledge base, each once.
    const uuids = body.items.map((item: { uuid: string }) => item.uuid);
    expect(new Set(uuids).size).toBe(uuids.length);
    const linked = (await stack.pool.query(`SELECT count(*)::int AS n FROM file_knowledge_base_links WHERE knowledgebase_id = 'manuals'`)).rows[0].n;
    expect(uuids).toHaveLength(linked);
  });
});
