import { expectedChunks, proseText } from './support/documents';
import { faultTest } from './support/fault-matrix';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { sleep, waitUntil } from '@docingest/contracts/testing';

const KB = 'queued';

describe('Redis restarted between enqueue and processing', () => {
  let stack: FaultSystem;

  beforeAll(async () => {
    stack = await startFaultSystem({ name: 'redis-restart' });
    await stack.createKnowledgeBase(KB);
  });
  afterAll(() => stack?.stop());

  faultTest(
    'Redis killed (SIGKILL) and restarted on its append-only file while a job waits in the queue',
    'the job is still there after the restart and runs exactly once: one dispatch, one ingestion, link `completed` with the right count',
    async (observe) => {
      const queue = stack.queue();
      await queue.isReady();
      // Paused for every worker, so the api cannot take the job before Redis goes down.
      await queue.pause();
      const text = proseText(12, 5);
      const fileUuid = (await stack.upload('queued.txt', text, { knowledgebase_id: KB })).uuid;
      const [queued] = await stack.enqueue([fileUuid], KB);
      const jobBefore = await queue.getJob(queued.job_id);
      expect(await jobBefore?.getState()).toBe('paused');
      observe(`job ${queued.job_id} queued while the queue was paused; link ${(await stack.link(fileUuid, KB)).ingestion_status}`);

      await stack.crashAndRestartRedis();
      observe('Redis SIGKILLed and started again on the same port and append-only file');
      const jobAfter = await waitUntil('the queue client to reconnect and find the job', async () => queue.getJob(queued.job_id), 30_000, 200);
      expect(await jobAfter.getState()).toBe('paused');
      expect((await stack.link(fileUuid, KB)).ingestion_status).toBe('pending');
      observe('after the restart the job is still there (paused) and the link still pending');
      const health = await waitUntil(
        'the api to reach Redis again',
        async () => {
          const ready = await stack.api('/health/ready');
          return ready.status === 200 ? ready.body : undefined;
        },
        30_000,
        250,
      );
      observe(`api readiness after the restart: ${JSON.stringify(health)}`);

      await queue.resume();
      const link = await stack.waitForFinal(fileUuid, KB, 90_000);
      // Time for a second run to show itself, were the job to run twice (a stalled-job retry, say).
      await sleep(3000);
      const dispatches = stack.logged('api', 'dispatch.sent', (e) => e.link_id === queued.link_id);
      const ingestions = stack.logged('ingestion', 'ingest.started', (e) => e.file_uuid === fileUuid);
      const chunks = await expectedChunks(text, 'queued.txt', { chunkSize: 64, chunkOverlap: 8, fileUuid, knowledgebaseId: KB });
      const rows = await stack.vectorRows(KB, fileUuid);
      const job = await queue.getJob(queued.job_id);
      observe(
        `after resuming: link ${link.ingestion_status} (attempt ${link.attempt}, chunk_count ${link.chunk_count}); ${dispatches.length} dispatch, ` +
          `${ingestions.length} ingestion started, job ${await job?.getState()} (${JSON.stringify(job?.returnvalue)}); ${rows.count} rows`,
      );
      expect(link).toMatchObject({ ingestion_status: 'completed', attempt: 1, chunk_count: chunks.length });
      expect(dispatches).toHaveLength(1);
      expect(ingestions).toHaveLength(1);
      expect(await job?.getState()).toBe('completed');
      expect(job?.returnvalue).toEqual({ dispatched: true });
      expect(rows).toMatchObject({ count: chunks.length, distinctNodeIds: chunks.length });
    },
  );
});
