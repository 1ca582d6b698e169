import { randomUUID } from 'node:crypto';
import type { Job } from 'bull';
import { hang, waitUntil } from '@docingest/contracts/testing';
import { INGEST_SINGLE_FILE_JOB } from './ingestion-job';
import { PendingDispatches } from './pending-dispatches';
import { describeOnEngines, useApiStack } from '../testing/use-api-stack';

const completedAnswer = (fileUuid: string, linkId: number, chunks: number) => ({
  status: 'completed',
  file_uuid: fileUuid,
  link_id: linkId,
  chunks,
  pages: 1,
  pages_skipped: 0,
  timings_ms: { download: 1, parse: 1, chunk: 1, embed: 1, store: 1, callbacks: 0, total: 5 },
});

describeOnEngines('enqueueing ingestions: one open attempt per link, force to start over', (engine) => {
  const { stack, standIn, queue } = useApiStack({
    standIn: hang,
    database: engine,
    apiEnv: { SHUTDOWN_GRACE_MS: '200', MAX_IN_FLIGHT_DISPATCHES: '1000' },
    knowledgeBases: ['manuals'],
  });

  let counter = 0;
  async function uploaded(): Promise<{ uuid: string; linkId: number }> {
    const { body } = await stack.upload(`doc-${++counter}.md`, `Document ${counter}.`, { knowledgebase_id: 'manuals' });
    return { uuid: body.uuid, linkId: (await stack.link(body.uuid, 'manuals')).link_id };
  }
  const ingestJobIds = async () =>
    ((await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'paused'])) as Job[])
      .filter((j) => j?.name === INGEST_SINGLE_FILE_JOB)
      .map((j) => String(j.id))
      .sort();
  const linkRows = async () => (await stack.pool.query(`SELECT * FROM file_knowledge_base_links ORDER BY id`)).rows;
  const everything = async () => ({ links: await linkRows(), jobs: await ingestJobIds(), dispatches: standIn.dispatches.length });
  const processing = (uuid: string, attempt: number) =>
    waitUntil(
      `attempt ${attempt} of ${uuid} processing`,
      async () => {
        const link = await stack.link(uuid, 'manuals');
        return link.attempt === attempt && link.ingestion_status === 'processing' && standIn.pendingDispatch(link.link_id, attempt) ? link : undefined;
      },
      30_000,
    );

  it('queues a link that never ran: attempt 1, one job, one dispatch', async () => {
    const file = await uploaded();
    const { status, body } = await stack.request('POST', '/api/v1/files/ingest-selected', { file_uuids: [file.uuid, file.uuid], knowledgebase_id: 'manuals' });
    expect(status).toBe(201);
    expect(body.queued).toEqual([
      { file_uuid: file.uuid, link_id: file.linkId, attempt: 1, job_id: `link-${file.linkId}-attempt-1`, trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) },
    ]);
    const link = await processing(file.uuid, 1);
    expect(link).toMatchObject({ ingestion_progress: 0, ingestion_error: null });
    expect(link.ingestion_started_at).toEqual(expect.any(String));
    expect(standIn.dispatches.filter((d) => d.body.file_uuid === file.uuid)).toHaveLength(1);
    expect((await ingestJobIds()).filter((id) => id.startsWith(`link-${file.linkId}-`))).toEqual([`link-${file.linkId}-attempt-1`]);
  });

  it('answers 409 for a processing link and changes nothing: no new attempt, job or dispatch', async () => {
    const file = await uploaded();
    await stack.request('POST', `/api/v1/files/${file.uuid}/reingest`, { knowledgebase_id: 'manuals' });
    await processing(file.uuid, 1);
    const before = await everything();
    for (const [path, body] of [
      [`/api/v1/files/${file.uuid}/reingest`, { knowledgebase_id: 'manuals' }],
      ['/api/v1/files/ingest-selected', { file_uuids: [file.uuid], knowledgebase_id: 'manuals' }],
      ['/api/v1/files/ingest-selected', { file_uuids: [file.uuid], knowledgebase_id: 'manuals', force: false }],
    ] as const) {
      const refused = await stack.request('POST', path, body);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'ingestion_in_progress' });
      expect(refused.body.message).toMatch(/already processing/);
      expect(refused.body.message).toContain('force');
    }
    expect(await everything()).toEqual(before);
  });

  it('answers 409 for a pending link (queued, not yet started) and changes nothing', async () => {
    const file = await uploaded();
    // A job of the next attempt already waiting far in the future holds the link pending.
    const holder = await queue.add(INGEST_SINGLE_FILE_JOB, { linkId: file.linkId, attempt: 1 }, { jobId: `link-${file.linkId}-attempt-1`, delay: 3_600_000 });
    try {
      const queued = await stack.request('POST', `/api/v1/files/${file.uuid}/reingest`, { knowledgebase_id: 'manuals' });
      expect(queued.body).toMatchObject({ attempt: 1 });
      expect(await stack.link(file.uuid, 'manuals')).toMatchObject({ ingestion_status: 'pending', attempt: 1 });
      const before = await everything();
      const refused = await stack.request('POST', `/api/v1/files/${file.uuid}/reingest`, { knowledgebase_id: 'manuals' });
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/already pending/);
      expect(await everything()).toEqual(before);
    } finally {
      await holder.remove();
    }
  });

  it('starts a new attempt with force: true, and the old attempt’s late answer does not touch it', async () => {
    const file = await uploaded();
    await stack.request('POST', `/api/v1/files/${file.uuid}/reingest`, { knowledgebase_id: 'manuals' });
    await processing(file.uuid, 1);

    const forced = await stack.request('POST', `/api/v1/files/${file.uuid}/reingest`, { knowledgebase_id: 'manuals', force: true });
    expect(forced.status).toBe(201);
    expect(forced.body).toEqual({
      file_uuid: file.uuid,
      link_id: file.linkId,
      attempt: 2,
      job_id: `link-${file.linkId}-attempt-2`,
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    await processing(file.uuid, 2);
    const dispatched = standIn.dispatches.filter((d) => d.body.link_id === file.linkId).map((d) => d.body.attempt);
    expect(dispatched).toEqual([1, 2]);

    // Attempt 1 answers now: too late, attempt 2 is the current one.
    const inFlight = stack.app.get(PendingDispatches);
    const before = inFlight.size;
    standIn
      .pendingDispatch(file.linkId, 1)!
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(completedAnswer(file.uuid, file.linkId, 99)));
    await waitUntil('the api to have handled the answer', async () => inFlight.size === before - 1, 10_000);
    expect(await stack.link(file.uuid, 'manuals')).toMatchObject({ attempt: 2, ingestion_status: 'processing', chunk_count: null });

    standIn
      .pendingDispatch(file.linkId, 2)!
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(completedAnswer(file.uuid, file.linkId, 5)));
    const done = await stack.waitForFinal(file.uuid, 'manuals', 10_000);
    expect(done).toMatchObject({ attempt: 2, ingestion_status: 'completed', chunk_count: 5, ingestion_progress: 100 });
  });

  it('re-ingests a link that ended (completed or failed) without force', async () => {
    const file = await uploaded();
    await stack.request('POST', `/api/v1/files/${file.uuid}/reingest`, { knowledgebase_id: 'manuals' });
    await processing(file.uuid, 1);
    standIn
      .pendingDispatch(file.linkId, 1)!
      .writeHead(422, { 'content-type': 'application/json' })
      .end(JSON.stringify({ statusCode: 422, error: 'Unprocessable Entity', message: 'the file is empty' }));
    expect(await stack.waitForFinal(file.uuid, 'manuals', 10_000)).toMatchObject({ ingestion_status: 'failed', ingestion_error: 'the file is empty' });

    const again = await stack.request('POST', `/api/v1/files/${file.uuid}/reingest`, { knowledgebase_id: 'manuals' });
    expect(again.status).toBe(201);
    expect(again.body.attempt).toBe(2);
    // The new attempt starts clean: the old error and completion time are gone.
    const link = await processing(file.uuid, 2);
    expect(link).toMatchObject({ ingestion_error: null, ingestion_completed_at: null, ingestion_progress: 0 });
  });

  it('answers 404 for an unknown file or knowledge base, queueing nothing', async () => {
    const file = await uploaded();
    const before = await everything();
    const unknownFile = await stack.request('POST', `/api/v1/files/${randomUUID()}/reingest`, { knowledgebase_id: 'manuals' });
    expect(unknownFile.status).toBe(404);
    expect(unknownFile.body).toMatchObject({ code: 'unknown_file' });
    const unknownKb = await stack.request('POST', `/api/v1/files/${file.uuid}/reingest`, { knowledgebase_id: 'nope' });
    expect(unknownKb.status).toBe(404);
    expect(unknownKb.body).toMatchObject({ code: 'unknown_knowledge_base' });
    // One unknown file in a batch refuses the whole batch: the known one is not queued either.
    const missing = randomUUID();
    const batch = await stack.request('POST', '/api/v1/files/ingest-selected', { file_uuids: [file.uuid, missing], knowledgebase_id: 'manuals' });
    expect(batch.status).toBe(404);
    expect(batch.body.message).toContain(missing);
    expect(batch.body.message).not.toContain(file.uuid);
    expect(await everything()).toEqual(before);
  });

  it('refuses malformed requests with 400 naming the field', async () => {
    const bad = await stack.request('POST', '/api/v1/files/not-a-uuid/reingest', { knowledgebase_id: 'manuals' });
    expect(bad.status).toBe(400);
    const empty = await stack.request('POST', '/api/v1/files/ingest-selected', { file_uuids: [], knowledgebase_id: 'manuals' });
    expect(empty).toMatchObject({ status: 400, body: { field: 'file_uuids' } });
    const notUuid = await stack.request('POST', '/api/v1/files/ingest-selected', { file_uuids: ['x'], knowledgebase_id: 'manuals' });
    expect(notUuid).toMatchObject({ status: 400, body: { field: 'file_uuids.0' } });
    const noKb = await stack.request('POST', `/api/v1/files/${randomUUID()}/reingest`, {});
    expect(noKb).toMatchObject({ status: 400, body: { field: 'knowledgebase_id' } });
  });
});
