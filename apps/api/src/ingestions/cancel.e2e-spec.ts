import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { waitUntil } from '@docingest/contracts/testing';
import { useApiStack } from '../testing/use-api-stack';
import { CallbackGate } from '../testing/callback-gate';
import { PendingDispatches } from '../ingestion-queue/pending-dispatches';

const KB = 'manuals';
const TEXT = Array.from(
  { length: 30 },
  (_, i) => `Section ${i + 1}. The relief valve ${i + 1} of the boiler is checked every ${i + 2} weeks by the night shift, who log the pressure.`,
).join('\n\n');

/**
 * Removing a file from a knowledge base while it is being ingested, at the two moments that
 * matter: before its chunks are stored (the service must store nothing) and after they were
 * stored but before the service reported (the service must delete them). The ingestion
 * service's callbacks pass through a gate that holds one of them while the test removes the file.
 */
describe('cancel: a file removed from its knowledge base during ingestion leaves no chunk behind', () => {
  let gate: CallbackGate;
  const { stack } = useApiStack(async () => {
    gate = await new CallbackGate().start();
    // No heartbeat: a report sent again while the test holds one would decide the race itself.
    return { ingestion: { env: { API_URL: gate.url, HEARTBEAT_INTERVAL_MS: '0' } }, apiEnv: { SHUTDOWN_GRACE_MS: '200' }, knowledgeBases: [KB] };
  });
  beforeAll(() => {
    gate.target = stack.apiUrl;
  });
  afterAll(async () => {
    await gate?.stop();
  });

  const ingestionEnded = () => waitUntil('the dispatch to be answered', async () => stack.app.get(PendingDispatches).size === 0, 120_000);
  const remove = (uuid: string) => stack.request('DELETE', `/api/v1/knowledge-bases/${KB}/files/${uuid}`);
  const searchHits = async (uuid: string) => {
    const { body } = await stack.request('POST', `/api/v1/knowledge-bases/${KB}/search`, { query: 'relief valve pressure', top_k: 100, file_uuid: uuid });
    return (body.results as unknown[]).length;
  };

  it('removed while it is being embedded: the service stops at its next boundary and stores nothing', async () => {
    const embedding = gate.hold('before', (b) => b?.stage === 'embedding');
    const uploaded = await stack.upload('embedding.md', TEXT, { knowledgebase_id: KB, auto_ingest: 'true' });
    const held = await embedding;
    const removed = await remove(uploaded.body.uuid);
    expect(removed).toMatchObject({ status: 200, body: { deleted_chunks: 0, cancelled_attempt: 1 } });
    held.release();
    await ingestionEnded();
    expect(await stack.vectorRows(KB, uploaded.body.uuid)).toBe(0);
    expect(await searchHits(uploaded.body.uuid)).toBe(0);
    expect((await stack.request('GET', `/api/v1/files/${uploaded.body.uuid}/progress`)).body.links).toEqual([]);
  }, 300_000);

  it('removed after the service was told to store but before it reported: it deletes the chunks it stored', async () => {
    // The api answers the `storing` boundary (go on), and the test removes the file before the
    // service hears that answer: the commit then comes after the api's own deletes.
    const storing = gate.hold('after', (b) => b?.stage === 'storing' && b?.status === 'processing' && b?.processed_docs === 0);
    const completed = gate.hold('before', (b) => b?.status === 'completed');
    const uploaded = await stack.upload('stored.md', TEXT, { knowledgebase_id: KB, auto_ingest: 'true' });
    const heldStoring = await storing;
    expect(await remove(uploaded.body.uuid)).toMatchObject({ status: 200, body: { deleted_chunks: 0, cancelled_attempt: 1 } });
    heldStoring.release();
    const heldCompleted = await completed;
    // Stored after the removal: searchable until the service hears the answer to its report.
    expect(await stack.vectorRows(KB, uploaded.body.uuid)).toBe(heldCompleted.body.chunks);
    expect(heldCompleted.body.chunks).toBeGreaterThan(0);
    heldCompleted.release();
    await ingestionEnded();
    expect(await stack.vectorRows(KB, uploaded.body.uuid)).toBe(0);
    expect(await searchHits(uploaded.body.uuid)).toBe(0);
  }, 300_000);

  it('superseded by a forced new attempt: the old one is told to stop, the new one stores the file once', async () => {
    const embedding = gate.hold('before', (b) => b?.stage === 'embedding' && b?.attempt === 1);
    const uploaded = await stack.upload('superseded.md', TEXT, { knowledgebase_id: KB, auto_ingest: 'true' });
    const held = await embedding;
    const forced = await stack.request('POST', `/api/v1/files/${uploaded.body.uuid}/reingest`, { knowledgebase_id: KB, force: true });
    expect(forced.body).toMatchObject({ attempt: 2 });
    const told = gate.hold('after', (b) => b?.attempt === 1);
    held.release();
    // The old attempt's next report is answered "superseded".
    const answer = await told;
    expect(answer.answer).toMatchObject({ status: 200, body: { applied: false, reason: 'stale_attempt', cancel: 'superseded' } });
    answer.release();
    const link = await stack.waitForFinal(uploaded.body.uuid, KB, 120_000);
    await ingestionEnded();
    expect(link).toMatchObject({ ingestion_status: 'completed', attempt: 2 });
    const rows = await stack.vectorRows(KB, uploaded.body.uuid);
    expect(rows).toBe(link.chunk_count);
    // The old attempt stopped before storing: it never reported the storing stage.
    expect(gate.seen.filter((b) => b?.attempt === 1 && b?.stage === 'storing' && b?.link_id === link.link_id)).toEqual([]);
  }, 300_000);

  it('its whole knowledge base removed while it is being embedded: nothing of the base stays searchable', async () => {
    await stack.createKnowledgeBase('doomed');
    const done = await stack.upload('done.md', 'The gate valve is closed at night.', { knowledgebase_id: 'doomed', auto_ingest: 'true' });
    expect(await stack.waitForFinal(done.body.uuid, 'doomed', 120_000)).toMatchObject({ ingestion_status: 'completed' });
    expect(await stack.vectorRows('doomed', done.body.uuid)).toBeGreaterThan(0);
    const embedding = gate.hold('before', (b) => b?.stage === 'embedding');
    const running = await stack.upload('running.md', TEXT, { knowledgebase_id: 'doomed', auto_ingest: 'true' });
    const held = await embedding;
    const removed = await stack.request('DELETE', '/api/v1/knowledge-bases/doomed');
    expect(removed).toMatchObject({ status: 200, body: { knowledgebase_id: 'doomed', files: 2, cancelled_attempts: 1 } });
    expect(removed.body.deleted_chunks).toBeGreaterThan(0);
    held.release();
    await ingestionEnded();
    expect(await stack.vectorRows('doomed', done.body.uuid)).toBe(0);
    expect(await stack.vectorRows('doomed', running.body.uuid)).toBe(0);
    expect((await stack.request('GET', '/api/v1/knowledge-bases/doomed')).status).toBe(404);
    // The files themselves stay.
    expect((await stack.request('GET', `/api/v1/files/${running.body.uuid}/progress`)).body).toEqual({ file_uuid: running.body.uuid, links: [] });
  }, 300_000);

  it('removed while still queued: the job finds no link and nothing is sent', async () => {
    const queue = stack.app.get(PendingDispatches);
    const uploaded = await stack.upload('queued.md', TEXT, { knowledgebase_id: KB });
    const linkId = (await stack.link(uploaded.body.uuid, KB)).link_id;
    // Hold the queue so the attempt stays pending while it is removed.
    const bull = stack.app.get<Queue>(getQueueToken('ingestion'));
    await bull.pause(true);
    try {
      expect((await stack.request('POST', `/api/v1/files/${uploaded.body.uuid}/reingest`, { knowledgebase_id: KB })).status).toBe(201);
      expect(await remove(uploaded.body.uuid)).toMatchObject({ status: 200, body: { cancelled_attempt: 1 } });
    } finally {
      await bull.resume(true);
    }
    await waitUntil('the job to run', async () => (await bull.getJobs(['completed'])).some((j) => j.id === `link-${linkId}-attempt-1`), 60_000);
    expect(queue.size).toBe(0);
    expect(await stack.vectorRows(KB, uploaded.body.uuid)).toBe(0);
  });
});
