import { faultTest } from './support/fault-matrix';
import { SYSTEM_KEY, startFaultSystem, type FaultSystem } from './support/fault-system';
import { httpJson } from './support/http-json';
import { proseText } from './support/documents';
import { IngestionStandIn, waitUntil } from '@docingest/contracts/testing';

const KB = 'hung';

describe('ingestion service answering slowly, then the dispatch timing out', () => {
  let stack: FaultSystem;
  let silent: IngestionStandIn;

  beforeAll(async () => {
    silent = await new IngestionStandIn().start();
    stack = await startFaultSystem({
      name: 'dispatch-timeout',
      // The api dispatches to a stand-in that takes the request and never answers.
      apiEnv: { INGESTION_SERVICE_URL: silent.url, DISPATCH_TIMEOUT_MS: '2500' },
    });
    await stack.createKnowledgeBase(KB);
  });
  afterAll(async () => {
    await stack?.stop();
    await silent?.stop();
  });

  faultTest(
    'the ingestion service takes the request and never answers (DISPATCH_TIMEOUT_MS 2.5 s)',
    'link `failed` with a message saying it timed out, not stuck in processing; a late "completed" of the same attempt (the service did finish) overrides that guess, which stays in the link\'s history; a late "failed" cannot reopen it',
    async (observe) => {
      const fileUuid = (await stack.upload('hung.txt', proseText(6, 3), { knowledgebase_id: KB })).uuid;
      const [queued] = await stack.enqueue([fileUuid], KB);
      const link = await stack.waitForFinal(fileUuid, KB, 60_000);
      expect(link.ingestion_status).toBe('failed');
      expect(link.ingestion_error).toMatch(/did not answer in time/);
      observe(`link ${link.ingestion_status}: "${link.ingestion_error}"`);

      await waitUntil('the api to hang up on the stand-in', async () => silent.received[0]?.closedUnanswered, 10_000);
      expect(silent.received).toHaveLength(1);
      expect(silent.received[0].headers.authorization).toBe(`Api-Key ${SYSTEM_KEY}`);
      expect(silent.received[0].body).toMatchObject({ file_uuid: fileUuid, link_id: queued.link_id, attempt: 1 });
      observe('the stand-in got one request, with the system credential, and the api hung up on it');

      // What the real service would send if it finished after the api gave up: the api only
      // guessed the failure, the service knows.
      const late = await httpJson(`${stack.apiUrl}/api/v1/files/${fileUuid}/update-progress`, {
        authorization: `Api-Key ${SYSTEM_KEY}`,
        body: { progress: 100, processed_docs: 5, total_docs: 5, link_id: queued.link_id, status: 'completed', chunks: 5, attempt: 1 },
      });
      expect(late.status).toBe(200);
      expect(late.body).toMatchObject({ applied: true, link: { ingestion_status: 'completed', chunk_count: 5, ingestion_error: null } });
      const after = await stack.link(fileUuid, KB);
      expect(after.ingestion_history).toEqual([expect.objectContaining({ event: 'failure_overridden', reason: link.ingestion_error })]);
      observe(`a late "completed" callback of the same attempt was applied: link completed, the timeout kept in its history`);
      const reopen = await httpJson(`${stack.apiUrl}/api/v1/files/${fileUuid}/update-progress`, {
        authorization: `Api-Key ${SYSTEM_KEY}`,
        body: { progress: 50, processed_docs: 0, total_docs: 0, link_id: queued.link_id, status: 'failed', error: 'late', attempt: 1 },
      });
      expect(reopen.body).toMatchObject({ applied: false, reason: 'final' });
      expect(await stack.link(fileUuid, KB)).toEqual(after);
      expect(await stack.vectorRows(KB, fileUuid)).toMatchObject({ count: 0 });
    },
  );
});
