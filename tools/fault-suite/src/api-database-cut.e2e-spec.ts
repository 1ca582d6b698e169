import { proseText } from './support/documents';
import { faultTest } from './support/fault-matrix';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { httpJson } from './support/http-json';
import { IngestionStandIn, sleep, waitUntil } from '@docingest/contracts/testing';

const KB = 'answers';

describe('the api’s database cut while it records a dispatch answer', () => {
  let stack: FaultSystem;
  /** Holds every /ingest-file request until the test answers it. */
  let ingestion: IngestionStandIn;

  beforeAll(async () => {
    ingestion = await new IngestionStandIn().start();
    stack = await startFaultSystem({
      name: 'api-database-cut',
      apiDatabaseProxy: true,
      apiEnv: { INGESTION_SERVICE_URL: ingestion.url, STALE_AFTER_MS: '4000', SWEEP_INTERVAL_MS: '1000' },
    });
    await stack.createKnowledgeBase(KB);
  });
  afterAll(async () => {
    await stack?.stop();
    await ingestion?.stop();
  });

  faultTest(
    'the api’s connections to PostgreSQL cut and refused at the moment the answer to /ingest-file arrives',
    'the api process stays up (no unhandled rejection), logs that the answer went unrecorded; once the database is back the link, still processing, is ended by the sweeper',
    async (observe) => {
      const fileUuid = (await stack.upload('answered.txt', proseText(4, 7), { knowledgebase_id: KB })).uuid;
      const [queued] = await stack.enqueue([fileUuid], KB);
      await waitUntil('the dispatch to arrive', async () => ingestion.received.length === 1, 60_000);
      await stack.waitForLink(fileUuid, KB, 'processing', (l) => l.ingestion_status === 'processing', 30_000);

      const proxy = stack.apiDatabaseProxy!;
      proxy.refuse(true);
      proxy.cut();
      observe('api ↔ PostgreSQL cut, new connections refused; then the service’s answer "completed" arrives');
      ingestion.open[0].response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'completed',
          file_uuid: fileUuid,
          link_id: queued.link_id,
          chunks: 2,
          pages: 1,
          pages_skipped: 0,
          timings_ms: { download: 0, parse: 0, chunk: 0, embed: 0, store: 0, callbacks: 0, total: 0 },
        }),
      );
      const [unrecorded] = await waitUntil(
        'the api to log the unrecorded answer',
        async () => {
          const found = stack.logged('api', 'dispatch.unrecorded', (e) => e.link_id === queued.link_id);
          return found.length ? found : undefined;
        },
        60_000,
      );
      observe(`api logged dispatch.unrecorded: "${unrecorded.message}"`);
      // Long enough for an unhandled rejection to have ended the process.
      await sleep(2000);
      expect(stack.system.services.api.running).toBe(true);
      const health = await httpJson(`${stack.apiUrl}/health`, {});
      expect(health.status).toBe(200);
      observe(`api still running (GET /health ${health.status})`);

      proxy.refuse(false);
      observe('database reachable again');
      const link = await stack.waitForFinal(fileUuid, KB, 90_000);
      expect(link).toMatchObject({ ingestion_status: 'failed' });
      expect(link.ingestion_error).toMatch(/^no progress since .*stopped reporting/);
      expect(stack.system.services.api.running).toBe(true);
      observe(`link ended by the sweeper: "${link.ingestion_error}"`);
    },
  );
});
