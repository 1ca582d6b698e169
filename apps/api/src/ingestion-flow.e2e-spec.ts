import * as fixtures from '@docingest/document-parsing/testing';
import { waitUntil } from '@docingest/contracts/testing';
import { startApiStack, type ApiStack } from './testing/api-stack';

const PAGES = [
  ['Pumps are inspected every quarter by two technicians.', 'Each inspection is logged in the maintenance register.'],
  ['The cafeteria on the third floor serves soup on Thursdays.', 'Badges must be worn at all times inside the plant.'],
];

describe('ingestion through the api (real Redis, PGlite, GCS server, ingestion service)', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack();
    await stack.createKnowledgeBase('handbook');
  });
  afterAll(() => stack?.stop());

  let fileUuid: string;
  let chunks: number;

  it('uploads, ingests, shows progress rising through polling, and ends completed with the chunks stored', async () => {
    const uploaded = await stack.upload('plant-handbook.pdf', await fixtures.buildPdf(PAGES), { knowledgebase_id: 'handbook', user_uuid: 'u-7' });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.storage_path).toMatch(/^gs:\/\/docs\/uploads\/u-7\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}-plant-handbook\.pdf$/);
    fileUuid = uploaded.body.uuid;
    expect((await stack.link(fileUuid, 'handbook')).ingestion_status).toBe('not_started');

    const queued = await stack.request('POST', '/api/v1/files/ingest-selected', { file_uuids: [fileUuid], knowledgebase_id: 'handbook' });
    expect(queued.status).toBe(201);
    expect(queued.body.queued[0]).toMatchObject({ file_uuid: fileUuid, attempt: 1, job_id: `link-${queued.body.queued[0].link_id}-attempt-1` });

    const seen: number[] = [];
    const link = await stack.waitForFinal(fileUuid, 'handbook', 90_000, seen);
    expect(link).toMatchObject({ ingestion_status: 'completed', ingestion_progress: 100, ingestion_error: null, attempt: 1 });
    expect(link.chunk_count).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    chunks = link.chunk_count;
    expect(await stack.vectorRows('handbook', fileUuid)).toBe(chunks);

    const byId = await stack.request('GET', `/api/v1/ingestions/${link.link_id}`);
    expect(byId.body).toMatchObject({ ingestion_status: 'completed', chunk_count: chunks });
    expect(byId.body.ingestion_completed_at).not.toBeNull();
    // The service's own answer may land just after the final callback: it carries the page counts.
    const counted = await waitUntil('page counts', async () => {
      const current = await stack.link(fileUuid, 'handbook');
      return current.pages !== null ? current : undefined;
    });
    expect(counted).toMatchObject({ pages: PAGES.length, pages_skipped: 0 });
  });

  it('lists the file in its knowledge base with status and chunks', async () => {
    const { body } = await stack.request('GET', '/api/v1/knowledge-bases/handbook/files');
    expect(body.items).toEqual([expect.objectContaining({ uuid: fileUuid, title: 'plant-handbook.pdf', ingestion_status: 'completed', chunk_count: chunks })]);
  });

  it('searches the knowledge base through the api', async () => {
    const { status, body } = await stack.request('POST', '/api/v1/knowledge-bases/handbook/search', { query: 'When is soup served in the cafeteria?', top_k: 2 });
    expect(status).toBe(200);
    expect(body.results[0]).toMatchObject({ file_uuid: fileUuid, page: 2 });
    expect(body.results[0].text).toContain('soup');
  });

  it('searches by full text and hybrid through the api, and refuses an unknown mode naming the field', async () => {
    for (const mode of ['text', 'hybrid']) {
      const { status, body } = await stack.request('POST', '/api/v1/knowledge-bases/handbook/search', { query: 'Thursdays', top_k: 2, mode });
      expect({ mode, status, page: body.results[0]?.page }).toEqual({ mode, status: 200, page: 2 });
    }
    const bad = await stack.request('POST', '/api/v1/knowledge-bases/handbook/search', { query: 'soup', mode: 'semantic' });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toMatch(/mode/);
  });

  it('re-ingests: a new attempt, completed again, the same number of rows', async () => {
    const first = await stack.request('POST', `/api/v1/files/${fileUuid}/reingest`, { knowledgebase_id: 'handbook' });
    expect(first.status).toBe(201);
    expect(first.body.attempt).toBe(2);
    const second = await stack.request('POST', `/api/v1/files/${fileUuid}/reingest`, { knowledgebase_id: 'handbook' });
    expect(second.status).toBe(409);
    expect(second.body.message).toMatch(/already (pending|processing)/);
    const link = await stack.waitForFinal(fileUuid, 'handbook');
    expect(link).toMatchObject({ ingestion_status: 'completed', attempt: 2, chunk_count: chunks });
    expect(await stack.vectorRows('handbook', fileUuid)).toBe(chunks);
  });

  it('records the service’s refusal of a bad file as failed with its message', async () => {
    const uploaded = await stack.upload('locked.pdf', fixtures.buildEncryptedPdf(), { knowledgebase_id: 'handbook', auto_ingest: 'true' });
    expect(uploaded.body.ingestion).toMatchObject({ attempt: 1 });
    const link = await stack.waitForFinal(uploaded.body.uuid, 'handbook');
    expect(link.ingestion_status).toBe('failed');
    expect(link.ingestion_error).toMatch(/password-protected/);
    expect(await stack.vectorRows('handbook', uploaded.body.uuid)).toBe(0);
  });

  it('removes a file from the knowledge base, deleting its chunks', async () => {
    const removed = await stack.request('DELETE', `/api/v1/knowledge-bases/handbook/files/${fileUuid}`);
    expect(removed).toEqual({ status: 200, body: { file_uuid: fileUuid, knowledgebase_id: 'handbook', deleted_chunks: chunks, cancelled_attempt: null } });
    expect(await stack.vectorRows('handbook', fileUuid)).toBe(0);
    expect(await stack.link(fileUuid, 'handbook')).toBeUndefined();
  });

  it('queues a second enqueue of the same attempt only once (job id)', async () => {
    const uploaded = await stack.upload('twice.md', 'Queue me once. Only once.', { knowledgebase_id: 'handbook' });
    const queued = await stack.request('POST', '/api/v1/files/ingest-selected', { file_uuids: [uploaded.body.uuid], knowledgebase_id: 'handbook' });
    const { link_id: linkId, attempt } = queued.body.queued[0];
    const { getQueueToken } = await import('@nestjs/bull');
    const queue = stack.app.get(getQueueToken('ingestion'));
    await queue.add('ingest-single-file-via-http', { linkId, attempt }, { jobId: `link-${linkId}-attempt-${attempt}` });
    const link = await stack.waitForFinal(uploaded.body.uuid, 'handbook');
    expect(link.ingestion_status).toBe('completed');
    const jobs = await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
    expect(jobs.filter((j: { id: string }) => j.id === `link-${linkId}-attempt-${attempt}`)).toHaveLength(1);
    await waitUntil('the processing count to settle', async () => (await queue.getActiveCount()) === 0);
  });
});
