import { expectedChunks, proseText } from './support/documents';
import { faultTest, type Observe } from './support/fault-matrix';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { sleep, waitUntil } from '@docingest/contracts/testing';

const KB = 'callbacks';
const CHUNK_SIZE = 32;

describe('api down while the ingestion service sends its callbacks', () => {
  let stack: FaultSystem;

  beforeAll(async () => {
    stack = await startFaultSystem({
      name: 'api-down-callbacks',
      recordCallbacks: true,
      // Each embedding request takes 1 s: the ingestion runs for several seconds, long enough to
      // take the api away in the middle of it and still be running when it is gone.
      embeddingStandIn: { dimensions: 64, delayMs: 1000 },
      // As deployed (deploy/cloudrun/api.service.yaml): the api's grace is shorter than the
      // platform's 10 s before SIGKILL, so a SIGTERM runs the api's whole shutdown.
      apiEnv: { SHUTDOWN_GRACE_MS: '2000' },
    });
    await stack.createKnowledgeBase(KB, { provider: 'openai', chunkSize: CHUNK_SIZE, chunkOverlap: 0 });
  });
  afterAll(() => stack?.stop());

  /** The callbacks the service sent for one file, delivered or not, in order. */
  const callbacksFor = (fileUuid: string) =>
    stack.recorder!.callbacks.filter((c) => c.path.includes(fileUuid)).map((c) => ({ ...JSON.parse(c.body), delivered: c.status }));

  /**
   * Starts an ingestion, takes the api away mid-embedding with `takeDown`, waits until the
   * service has stored everything and is retrying its final callback, then brings the api back.
   */
  async function ingestAcrossApiOutage(name: string, seed: number, takeDown: () => Promise<unknown>, observe: Observe) {
    const text = proseText(420, seed);
    const fileUuid = (await stack.upload(name, text, { knowledgebase_id: KB })).uuid;
    const chunks = await expectedChunks(text, name, { chunkSize: CHUNK_SIZE, chunkOverlap: 0, fileUuid, knowledgebaseId: KB });
    const [queued] = await stack.enqueue([fileUuid], KB);
    await stack.waitForLink(fileUuid, KB, 'the embedding stage', (l) => l.current_stage === 'embedding', 60_000);

    await takeDown();
    const downAt = Date.now();
    observe(`api taken down during embedding (exit ${JSON.stringify(stack.system.services.api.lastExit)})`);
    await waitUntil('the service to store every chunk while the api is down', async () => (await stack.vectorRows(KB, fileUuid)).count === chunks.length, 90_000, 200);
    await waitUntil(
      'the final callback to be refused at least twice',
      async () => callbacksFor(fileUuid).filter((c) => c.status !== 'processing' && c.delivered === 0).length >= 2,
      30_000,
      100,
    );
    const whileDown = callbacksFor(fileUuid).filter((c) => c.delivered === 0);
    observe(
      `while the api was down: ${chunks.length} rows committed; ${whileDown.filter((c) => c.status === 'processing').length} progress and ` +
        `${whileDown.filter((c) => c.status !== 'processing').length} final callback attempts failed and were retried`,
    );
    const linkWhileDown = await stack.storedLink(queued.link_id);
    observe(
      `link in the database while the api is down: ${linkWhileDown.ingestion_status}${linkWhileDown.ingestion_error ? ` ("${linkWhileDown.ingestion_error}")` : ''}`,
    );

    await sleep(Math.max(0, 1000 - (Date.now() - downAt)));
    await stack.system.restart('api');
    observe('api started again');
    const finalCallback = (c: { status: string; delivered: number }) => c.status !== 'processing' && c.delivered === 200;
    await waitUntil('the final callback to reach the api', async () => callbacksFor(fileUuid).some(finalCallback), 60_000);
    const final = await stack.waitForFinal(fileUuid, KB, 30_000);
    observe(`final callback delivered after the restart; link ${final.ingestion_status}, chunk_count ${final.chunk_count}`);
    return { final, chunks, fileUuid, linkWhileDown };
  }

  faultTest(
    'api crashes (SIGKILL) while callbacks are being sent',
    'the service retries its callbacks and completes the ingestion; when the api is back the link converges to `completed` with the right chunk count',
    async (observe) => {
      const { final, chunks, fileUuid } = await ingestAcrossApiOutage('crash.txt', 31, () => stack.system.services.api.kill('SIGKILL'), observe);
      expect(final).toMatchObject({ ingestion_status: 'completed', chunk_count: chunks.length, ingestion_progress: 100 });
      expect((await stack.vectorRows(KB, fileUuid)).count).toBe(chunks.length);
    },
  );

  faultTest(
    'api stopped cleanly (SIGTERM) while callbacks are being sent',
    'the same: the api going away is no reason to give up an ingestion that is still running elsewhere; the link converges to `completed`',
    async (observe) => {
      const { final, chunks, fileUuid, linkWhileDown } = await ingestAcrossApiOutage('stop.txt', 37, () => stack.system.services.api.stop(), observe);
      const rows = (await stack.vectorRows(KB, fileUuid)).count;
      if (final.ingestion_status !== 'completed') {
        observe(
          `PRODUCT BUG: the api's shutdown marked the running attempt failed ("${linkWhileDown.ingestion_error}"), so the completed callback was refused as final: ` +
            `the link says failed while ${rows} chunks are stored and searchable`,
        );
      }
      expect(final).toMatchObject({ ingestion_status: 'completed', chunk_count: chunks.length });
      expect(rows).toBe(chunks.length);
    },
  );
});
