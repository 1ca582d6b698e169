import { expectedChunks, proseText } from './support/documents';
import { faultTest } from './support/fault-matrix';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { waitUntil } from '@docingest/contracts/testing';

const KB = 'cut';
const CHUNK_SIZE = 32;
// About 3800 chunks, all inserted inside the swap transaction (IN_MEMORY_CHUNKS below): a window
// of a second or more, wide enough to cut the connections inside it on an idle machine too.
const TEXT = proseText(4000, 23);

/** The first lines of an uncaught error the ingestion service printed as it died. */
function crashReason(lines: string[]): string {
  const output = lines.filter((l) => l.startsWith('ingestion')).map((l) => l.slice(l.indexOf('|') + 1).trim());
  const at = output.findIndex((l) => /Unhandled|^Error|uncaught/i.test(l));
  return at < 0
    ? 'no error printed'
    : output
        .slice(at, at + 5)
        .filter((l) => !/^\^?$/.test(l))
        .join(' ');
}

describe('database connection cut mid-ingestion', () => {
  let stack: FaultSystem;

  beforeAll(async () => {
    stack = await startFaultSystem({
      name: 'database-cut',
      databaseProxy: true,
      recordCallbacks: true,
      embeddingStandIn: { dimensions: 256 },
      // Storing 3800 rows holds PGlite's one session for seconds, during which no progress can
      // be recorded: keep the sweeper out of this test.
      apiEnv: { STALE_AFTER_MS: '600000' },
      // A staged file's swap is one INSERT … SELECT, too short a window to cut the connections inside it.
      ingestionEnv: { IN_MEMORY_CHUNKS: '100000' },
    });
    await stack.createKnowledgeBase(KB, { provider: 'openai', chunkSize: CHUNK_SIZE, chunkOverlap: 0 });
  });
  afterAll(() => stack?.stop());

  faultTest(
    'the ingestion service’s database connections cut inside the storing transaction',
    'the transaction rolls back, no rows from that attempt, link `failed` with a message; once the network is back a re-ingest completes with the right count',
    async (observe) => {
      const proxy = stack.databaseProxy!;
      const fileUuid = (await stack.upload('cut.txt', TEXT, { knowledgebase_id: KB })).uuid;
      const chunks = await expectedChunks(TEXT, 'cut.txt', { chunkSize: CHUNK_SIZE, chunkOverlap: 0, fileUuid, knowledgebaseId: KB });
      const rolledBackBefore = stack.logged('postgres', 'connection.rolled_back').length;

      await stack.enqueue([fileUuid], KB);
      await stack.waitForStoringTransaction(fileUuid, 1);
      const open = proxy.open;
      proxy.refuse(true);
      proxy.cut();
      observe(
        `cut ${open} open connection(s) between the ingestion service and PostgreSQL inside the transaction storing ${chunks.length} chunks; new connections refused`,
      );

      await waitUntil('PGlite to roll back the cut connection', async () => stack.logged('postgres', 'connection.rolled_back').length > rolledBackBefore, 90_000);
      observe('PGlite logged connection.rolled_back: the cut came inside the transaction');
      const failed = await stack.waitForFinal(fileUuid, KB, 60_000);
      observe(`link ${failed.ingestion_status}: "${failed.ingestion_error}" (stage ${failed.current_stage})`);
      const rowsAfterCut = await stack.vectorRows(KB, fileUuid);
      observe(`${rowsAfterCut.count} rows for the file`);

      proxy.refuse(false);
      observe('network back');
      // A lost database must fail the one ingestion, not take the whole service (and every other
      // ingestion running in it) down.
      const service = stack.system.services.ingestion;
      const crash = service.running ? null : crashReason(stack.lines);
      if (crash) {
        observe(`PRODUCT BUG: the ingestion service process died (exit ${JSON.stringify(service.lastExit)}): ${crash}`);
        await stack.system.restart('ingestion');
      } else observe('the ingestion service kept running');
      expect(failed.ingestion_status).toBe('failed');
      expect(rowsAfterCut.count).toBe(0);

      const ready = await stack.ingestion('/health/ready');
      expect(ready.status).toBe(200);
      observe('the service’s readiness check reaches the database again');
      const again = await stack.api(`/api/v1/files/${fileUuid}/reingest`, { body: { knowledgebase_id: KB } });
      expect(again.status).toBe(201);
      const done = await stack.waitForFinal(fileUuid, KB, 150_000);
      expect(done).toMatchObject({ ingestion_status: 'completed', attempt: 2, chunk_count: chunks.length });
      const rows = await stack.vectorRows(KB, fileUuid);
      expect(rows.count).toBe(chunks.length);
      expect(rows.distinctNodeIds).toBe(chunks.length);
      expect([...rows.nodeIds].sort()).toEqual(chunks.map((c) => c.id).sort());
      observe(`re-ingest completed: chunk_count ${done.chunk_count}, ${rows.count} rows, all node ids distinct and as the chunker gives them`);

      expect({ serviceSurvived: !crash, crash }).toEqual({ serviceSurvived: true, crash: null });
      expect(failed.ingestion_error).toMatch(/storing failed: .*(terminated|closed|ECONNRESET|EPIPE|ended)/i);
    },
  );
});
