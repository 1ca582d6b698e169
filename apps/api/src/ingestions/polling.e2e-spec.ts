import { randomUUID } from 'node:crypto';
import { hang, waitUntil, sleep } from '@docingest/contracts/testing';
import { SYSTEM_KEY } from '../testing/api-stack';
import { useApiStack } from '../testing/use-api-stack';

const VIEW_FIELDS = [
  'attempt',
  'chunk_count',
  'chunks_embedded',
  'chunks_reused',
  'current_stage',
  'dispatch_retries',
  'embedding_tokens',
  'file_uuid',
  'ingestion_completed_at',
  'ingestion_error',
  'ingestion_history',
  'ingestion_progress',
  'ingestion_started_at',
  'ingestion_status',
  'knowledgebase_id',
  'last_progress_at',
  'link_id',
  'object_crc32c',
  'object_generation',
  'pages',
  'pages_skipped',
  'processed_docs',
  'total_docs',
  'trace_id',
];

describe('polling: a file’s progress and one ingestion', () => {
  const { stack } = useApiStack({ standIn: hang, apiEnv: { SHUTDOWN_GRACE_MS: '200' }, knowledgeBases: ['manuals', 'archive'] });
  let fileUuid: string;
  let manualsLink: number;
  let archiveLink: number;

  beforeAll(async () => {
    const { body } = await stack.upload('pumps.md', 'Pumps are inspected every quarter.', { knowledgebase_id: 'manuals' });
    fileUuid = body.uuid;
    await stack.request('POST', '/api/v1/files/ingest-selected', { file_uuids: [fileUuid], knowledgebase_id: 'archive' });
    manualsLink = (await stack.link(fileUuid, 'manuals')).link_id;
    archiveLink = (await stack.link(fileUuid, 'archive')).link_id;
  });

  const byFile = async () => (await stack.request('GET', `/api/v1/files/${fileUuid}/progress`)).body;
  const byLink = async (id: number) => (await stack.request('GET', `/api/v1/ingestions/${id}`)).body;
  const report = (linkId: number, attempt: number, fields: Record<string, unknown>) =>
    stack.request(
      'POST',
      `/api/v1/files/${fileUuid}/update-progress`,
      { processed_docs: 0, total_docs: 0, link_id: linkId, attempt, status: 'processing', ...fields },
      `Api-Key ${SYSTEM_KEY}`,
    );

  it('shows every link of the file, each with its own state, and the same view by link id', async () => {
    await waitUntil('the archive link processing', async () => (await byLink(archiveLink)).ingestion_status === 'processing', 30_000);
    const { status, body } = await stack.request('GET', `/api/v1/files/${fileUuid}/progress`);
    expect(status).toBe(200);
    expect(body.file_uuid).toBe(fileUuid);
    expect(body.links.map((l: { knowledgebase_id: string }) => l.knowledgebase_id)).toEqual(['manuals', 'archive']);
    for (const link of body.links) expect(Object.keys(link).sort()).toEqual(VIEW_FIELDS);

    const [manuals, archive] = body.links;
    expect(manuals).toEqual({
      link_id: manualsLink,
      file_uuid: fileUuid,
      knowledgebase_id: 'manuals',
      ingestion_status: 'not_started',
      ingestion_progress: 0,
      current_stage: null,
      processed_docs: 0,
      total_docs: 0,
      chunk_count: null,
      chunks_embedded: null,
      chunks_reused: null,
      embedding_tokens: null,
      object_generation: null,
      object_crc32c: null,
      pages: null,
      pages_skipped: null,
      ingestion_error: null,
      ingestion_started_at: null,
      ingestion_completed_at: null,
      last_progress_at: null,
      attempt: 0,
      dispatch_retries: 0,
      ingestion_history: [],
      trace_id: null,
    });
    // The trace of the request that started the attempt (docs/wire-contract.md#trace).
    expect(archive).toMatchObject({
      link_id: archiveLink,
      ingestion_status: 'processing',
      attempt: 1,
      ingestion_completed_at: null,
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(archive.ingestion_started_at).toEqual(expect.any(String));
    expect(await byLink(manualsLink)).toEqual(manuals);
    expect(await byLink(archiveLink)).toEqual(archive);
  });

  it('shows progress, stage, counts and the time of the last report while running', async () => {
    const before = await byLink(archiveLink);
    await sleep(20); // so the report's time differs from the dispatch's
    await report(archiveLink, 1, { progress: 55.5, processed_docs: 22, total_docs: 40, stage: 'embedding' });
    const view = await byLink(archiveLink);
    expect(view).toMatchObject({
      ingestion_status: 'processing',
      ingestion_progress: 55.5,
      current_stage: 'embedding',
      processed_docs: 22,
      total_docs: 40,
      chunk_count: null,
      ingestion_error: null,
    });
    expect(view.ingestion_started_at).toBe(before.ingestion_started_at);
    expect(Date.parse(view.last_progress_at)).toBeGreaterThan(Date.parse(before.last_progress_at));
    expect((await byFile()).links[1]).toEqual(view);
  });

  it('shows the chunk count and completion time once completed', async () => {
    await report(archiveLink, 1, { progress: 100, processed_docs: 40, total_docs: 40, status: 'completed', chunks: 40, stage: 'storing' });
    const view = await byLink(archiveLink);
    expect(view).toMatchObject({ ingestion_status: 'completed', ingestion_progress: 100, chunk_count: 40, ingestion_error: null });
    expect(Date.parse(view.ingestion_completed_at)).toBeGreaterThanOrEqual(Date.parse(view.ingestion_started_at));
  });

  it('shows the error of a failed ingestion', async () => {
    await stack.request('POST', `/api/v1/files/${fileUuid}/reingest`, { knowledgebase_id: 'manuals' });
    await waitUntil('the manuals link processing', async () => (await byLink(manualsLink)).ingestion_status === 'processing', 30_000);
    await report(manualsLink, 1, { progress: 3, status: 'failed', stage: 'downloading', error: 'the object gs://docs/x is missing' });
    const view = await byLink(manualsLink);
    expect(view).toMatchObject({ ingestion_status: 'failed', current_stage: 'downloading', ingestion_error: 'the object gs://docs/x is missing', attempt: 1 });
    expect(view.ingestion_completed_at).toEqual(expect.any(String));
    expect((await byFile()).links[0]).toEqual(view);
  });

  it.each([
    ['an unknown file', () => `/api/v1/files/${randomUUID()}/progress`, 404],
    ['an unknown link', () => '/api/v1/ingestions/987654', 404],
    ['a link id beyond any stored id', () => '/api/v1/ingestions/99999999999', 404],
    ['a link id of zero', () => '/api/v1/ingestions/0', 404],
    ['a link id that is not a number', () => '/api/v1/ingestions/abc', 400],
    ['a file id that is not a UUID', () => '/api/v1/files/abc/progress', 400],
  ])('answers %s with the right error', async (_what, path, expected) => {
    const { status, body } = await stack.request('GET', path());
    expect(status).toBe(expected);
    expect(body).toMatchObject({ statusCode: expected, message: expect.any(String) });
  });
});
