import { expectedChunks, proseText } from './support/documents';
import { faultTest } from './support/fault-matrix';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { waitUntil } from '@docingest/contracts/testing';
import { stagedRows as stagedRowsIn } from '@docingest/vector-store';

const KB = 'bulky';
const CHUNK_SIZE = 32;
// About 3800 chunks: swapping them in on PGlite takes a second or more (1700 took 0.7 s once storing got faster),
// a window wide enough to kill the service inside the storing transaction.
const TEXT = proseText(4000, 11);

describe('ingestion service SIGKILLed in the middle of storing', () => {
  let stack: FaultSystem;
  let fileUuid: string;
  let expected: { count: number; ids: string[] };

  beforeAll(async () => {
    stack = await startFaultSystem({
      name: 'kill-during-storing',
      ingestionProxy: true,
      recordCallbacks: true,
      embeddingStandIn: { dimensions: 256 },
      // The sweeper is what must notice a service that died without a word.
      apiEnv: { STALE_AFTER_MS: '6000', SWEEP_INTERVAL_MS: '1000', SHUTDOWN_GRACE_MS: '1000' },
      // Every chunk held in memory and inserted inside the swap transaction itself: a staged file's
      // swap is one INSERT … SELECT, too short a window to kill the service inside it.
      ingestionEnv: { IN_MEMORY_CHUNKS: '100000' },
    });
    await stack.createKnowledgeBase(KB, { provider: 'openai', chunkSize: CHUNK_SIZE, chunkOverlap: 0 });
    fileUuid = (await stack.upload('bulky.txt', TEXT, { knowledgebase_id: KB })).uuid;
    const chunks = await expectedChunks(TEXT, 'bulky.txt', { chunkSize: CHUNK_SIZE, chunkOverlap: 0, fileUuid, knowledgebaseId: KB });
    expected = { count: chunks.length, ids: chunks.map((c) => c.id).sort() };
  });
  afterAll(() => stack?.stop());

  /** Rows a large file's ingestion staged before its swap (left behind by a killed one until cleaned up). */
  function stagedRows(): Promise<number> {
    return stagedRowsIn(stack.pool);
  }

  /** Starts an attempt and answers once the service is inside its storing transaction. */
  async function startAndReachStoring(start: () => Promise<unknown>): Promise<{ attempt: number; rolledBackBefore: number }> {
    const rolledBackBefore = stack.logged('postgres', 'connection.rolled_back').length;
    await start();
    const { attempt } = await stack.link(fileUuid, KB);
    // Polling cannot show the storing stage on PGlite: the storing transaction holds its one
    // session, so the api's stage update (and any poll) waits behind it. The service says when
    // its swap transaction opens (store.swap_opened); the kill follows as that line arrives.
    await stack.waitForStoringTransaction(fileUuid, attempt);
    return { attempt, rolledBackBefore };
  }

  faultTest(
    'SIGKILL mid-storing, the host vanishes (the api sees no reset)',
    'no partial chunks (transaction rolled back), link `failed` by the stale sweeper; after a restart a re-ingest completes with the right count',
    async (observe) => {
      stack.ingestionProxy!.vanishOnUpstreamLoss(true);
      const { rolledBackBefore } = await startAndReachStoring(() => stack.enqueue([fileUuid], KB));
      await stack.system.services.ingestion.kill('SIGKILL');
      observe(`SIGKILL sent while the service was inside the transaction storing ${expected.count} chunks (storing stage sent, database session held)`);
      const rolledBack = await waitUntil(
        'PGlite to roll back the dead connection',
        async () => stack.logged('postgres', 'connection.rolled_back').length > rolledBackBefore,
        90_000,
      );
      expect(rolledBack).toBe(true);
      observe('PGlite logged connection.rolled_back for the killed connection: it died inside the storing transaction');
      expect(await stack.vectorRows(KB, fileUuid)).toMatchObject({ count: 0 });
      observe(`0 rows for the file right after the kill (${await stagedRows()} rows left in the staging table, which readers never see)`);

      const failed = await stack.waitForFinal(fileUuid, KB, 60_000);
      expect(failed.ingestion_status).toBe('failed');
      expect(failed.ingestion_error).toMatch(/no progress since .*stopped reporting/);
      // The sweeper logs after it writes the link: its line may arrive just after the poll saw the link failed.
      const swept = await stack.waitForEvent('api', 'sweeper.failed_stale', (e) => e.link_id === failed.link_id, 10_000);
      expect(swept.link_id).toBe(failed.link_id);
      observe(`link failed by the sweeper at stage ${failed.current_stage}: "${failed.ingestion_error}"`);
      expect(await stack.vectorRows(KB, fileUuid)).toMatchObject({ count: 0 });

      // The hung dispatch connection finally breaks: the final state must not move.
      stack.ingestionProxy!.vanishOnUpstreamLoss(false);
      stack.ingestionProxy!.cut();
      await stack.system.restart('ingestion');
      // Storing 1700 rows holds PGlite's one session for longer than this test's short stale
      // limit, during which no progress can be recorded: give the re-ingest a normal limit.
      await stack.system.restart('api', { STALE_AFTER_MS: '600000' });
      expect((await stack.link(fileUuid, KB)).ingestion_error).toBe(failed.ingestion_error);
      observe('services restarted; the late connection reset left the failed link as it was');

      const again = await stack.api(`/api/v1/files/${fileUuid}/reingest`, { body: { knowledgebase_id: KB } });
      expect(again.status).toBe(201);
      const done = await stack.waitForFinal(fileUuid, KB, 150_000);
      expect(done).toMatchObject({ ingestion_status: 'completed', attempt: 2, chunk_count: expected.count });
      const rows = await stack.vectorRows(KB, fileUuid);
      expect(rows.count).toBe(expected.count);
      expect(rows.distinctNodeIds).toBe(expected.count);
      expect([...rows.nodeIds].sort()).toEqual(expected.ids);
      observe(
        `re-ingest (attempt 2) completed: chunk_count ${done.chunk_count}, ${rows.count} rows, ${rows.distinctNodeIds} distinct node ids, the ids the chunker gives`,
      );
    },
  );

  faultTest(
    'SIGKILL mid-storing of a re-ingestion (the api sees the connection reset)',
    'the reset decides nothing (the service had taken the request); the sweeper fails the link once it stops hearing from the service; the previous complete set of chunks is still there, whole',
    async (observe) => {
      // Stands on its own: the service up, the proxy plain, and a complete set stored.
      stack.ingestionProxy!.vanishOnUpstreamLoss(false);
      if (!stack.system.services.ingestion.running) await stack.system.restart('ingestion');
      if ((await stack.vectorRows(KB, fileUuid)).count !== expected.count) {
        await stack.api(`/api/v1/files/${fileUuid}/reingest`, { body: { knowledgebase_id: KB, force: true } });
        expect(await stack.waitForFinal(fileUuid, KB, 150_000)).toMatchObject({ ingestion_status: 'completed' });
      }
      const before = await stack.vectorRows(KB, fileUuid);
      expect(before.count).toBe(expected.count);
      // Forced: the same bytes unforced are answered "unchanged, skipped" and never reach storing.
      const { attempt, rolledBackBefore } = await startAndReachStoring(() =>
        stack.api(`/api/v1/files/${fileUuid}/reingest`, { body: { knowledgebase_id: KB, force: true } }),
      );
      await stack.system.services.ingestion.kill('SIGKILL');
      observe(`SIGKILL sent during the storing of attempt ${attempt} (its transaction had deleted the old rows)`);

      // After acceptance a broken connection says nothing about the ingestion (the service might
      // still finish and report): only the sweeper, or the service itself, may end the attempt.
      await waitUntil(
        'the api to see the reset',
        async () => stack.logged('api', 'dispatch.connection_lost_after_acceptance', (e) => e.attempt === attempt).length === 1,
        30_000,
      );
      expect((await stack.link(fileUuid, KB)).ingestion_status).toBe('processing');
      observe('the api saw the reset after the service had reported on the attempt: the link stays processing');
      // The api runs with a long stale limit since the first case; the sweeper must end this one.
      await stack.system.restart('api', { STALE_AFTER_MS: '6000', SWEEP_INTERVAL_MS: '1000' });
      const failed = await stack.waitForFinal(fileUuid, KB, 60_000);
      expect(failed).toMatchObject({ ingestion_status: 'failed', attempt });
      expect(failed.ingestion_error).toMatch(/no progress since .*stopped reporting/);
      observe(`connection reset logged as lost after acceptance; link failed by the sweeper: "${failed.ingestion_error}"`);
      // Whether the kill landed inside the swap's transaction (it lasts about a second now) or just
      // before it, the previous set must be intact: noted, not required.
      const rolledBack = await waitUntil(
        'PGlite to roll back the dead connection',
        async () => stack.logged('postgres', 'connection.rolled_back').length > rolledBackBefore,
        30_000,
      ).catch(() => false);
      observe(rolledBack ? 'PGlite rolled back the killed connection inside the swap' : 'no rollback logged: the kill landed just outside the swap transaction');
      const after = await stack.vectorRows(KB, fileUuid);
      expect(after.count).toBe(expected.count);
      expect(after.nodeIds).toEqual(before.nodeIds);
      observe(`transaction rolled back: the ${after.count} rows of the previous attempt are intact, same node ids, no duplicates`);

      await stack.system.restart('ingestion');
      observe('ingestion service restarted');
    },
  );
});
