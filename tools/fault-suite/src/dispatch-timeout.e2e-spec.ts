import { faultTest } from './support/fault-matrix';
import { SYSTEM_KEY, startFaultSystem, type FaultSystem } from './support/fault-system';
import { httpJson } from './support/http-json';
import { proseText } from './support/documents';
import { startSilentIngestion, type SilentIngestion } from './support/silent-ingestion';
import { waitUntil } from './support/wait-until';

const KB = 'hung';

describe('ingestion service answering slowly, then the dispatch timing out', () => {
  let stack: FaultSystem;
  let silent: SilentIngestion;

  beforeAll(async () => {
    silent = await startSilentIngestion();
    stack = await startFaultSystem({
      name: 'dispatch-timeout',
      // The api dispatches to a stand-in that takes the request and never answers.
      apiEnv: { INGESTION_SERVICE_URL: silent.url, DISPATCH_TIMEOUT_MS: '2500' },
    });
    await stack.createKnowledgeBase(KB);
  });
  afterAll(async () => {
    await stack?.stop();
    await silent?.close();
  });

  faultTest(
    'the ingestion service takes the request and never answers (DISPATCH_TIMEOUT_MS 2.5 s)',
    'link `failed` with a message saying it timed out, not stuck in processing; a late "completed" from the service cannot revive it',
    async (observe) => {
      const fileUuid = (await stack.upload('hung.txt', proseText(6, 3), { knowledgebase_id: KB })).uuid;
      const [queued] = await stack.enqueue([fileUuid], KB);
      const link = await stack.waitForFinal(fileUuid, KB, 60_000);
      expect(link.ingestion_status).toBe('failed');
      expect(link.ingestion_error).toMatch(/did not answer in time/);
      observe(`link ${link.ingestion_status}: "${link.ingestion_error}"`);

      await waitUntil('the api to hang up on the stand-in', async () => silent.received[0]?.closedByCaller, 10_000);
      expect(silent.received).toHaveLength(1);
      expect(silent.received[0].authorization).toBe(`Api-Key ${SYSTEM_KEY}`);
      expect(silent.received[0].body).toMatchObject({ file_uuid: fileUuid, link_id: queued.link_id, attempt: 1 });
      observe('the stand-in got one request, with the system credential, and the api hung up on it');

      // What the real service would send if it finished after the api gave up.
      const late = await httpJson(`${stack.apiUrl}/api/v1/files/${fileUuid}/update-progress`, {
        authorization: `Api-Key ${SYSTEM_KEY}`,
        body: { progress: 100, processed_docs: 5, total_docs: 5, link_id: queued.link_id, status: 'completed', chunks: 5, attempt: 1 },
      });
      expect(late.status).toBe(200);
      expect(late.body).toMatchObject({ applied: false, reason: 'final' });
      const after = await stack.link(fileUuid, KB);
      expect(after).toEqual(link);
      observe(`a late "completed" callback was answered applied=false (${late.body.reason}); the link is unchanged`);
      expect(await stack.vectorRows(KB, fileUuid)).toMatchObject({ count: 0 });
    },
  );
});
