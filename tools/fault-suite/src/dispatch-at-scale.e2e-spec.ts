import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Bull from 'bull';
import { startRedisServer, type RedisServerHandle } from '@docingest/local-redis';
import { INGEST_SINGLE_FILE_JOB, INGESTION_QUEUE, ingestJobId } from '../../../apps/api/src/ingestion-queue/ingestion-job';
import { proseText } from './support/documents';
import { FAULT_REPORT_DIR, faultTest, type Observe } from './support/fault-matrix';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { startHealthProbe } from './support/health-probe';
import { sleep, waitUntil } from '@docingest/contracts/testing';

/**
 * 2,000 files is the full run (FAULTS_DISPATCH_FILES=2000, about ten minutes on the shared 2-core
 * machine it was written on); the default 400 keeps the suite's CI time reasonable. The figures
 * are printed and written to reports/faults/dispatch-429.json either way.
 */
const FILES = Number(process.env.FAULTS_DISPATCH_FILES || 400);
/** The ingestion service takes this many requests at once; the gate answers 429 above it. */
const SERVICE_LIMIT = 3;
/** The api would open more than the service takes, so 429s happen and must cost nothing. */
const API_IN_FLIGHT = 8;
const UPLOADS_AT_ONCE = 16;

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
}

/** Uploads `count` small files into `kb`; answers their uuids. */
async function uploadMany(stack: FaultSystem, kb: string, count: number, prefix: string): Promise<string[]> {
  const uuids: string[] = [];
  for (let i = 0; i < count; i += UPLOADS_AT_ONCE) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(UPLOADS_AT_ONCE, count - i) }, (_, j) =>
        stack.upload(`${prefix}-${i + j}.txt`, proseText(2, 5000 + i + j), { knowledgebase_id: kb }),
      ),
    );
    uuids.push(...batch.map((b) => b.uuid));
  }
  return uuids;
}

/** Polls the knowledge base's file list until every file is final, or `timeoutMs`; answers the links. */
async function untilAllFinal(stack: FaultSystem, kb: string, count: number, timeoutMs: number): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  let items: any[] = [];
  while (Date.now() < deadline) {
    const list = await stack.api(`/api/v1/knowledge-bases/${kb}/files`, { timeoutMs: 60_000 });
    if (list.status === 200) {
      items = list.body.items;
      if (items.filter((f) => f.ingestion_status === 'completed' || f.ingestion_status === 'failed').length === count) return items;
    }
    await sleep(1000);
  }
  return items;
}

/** Every check of "nothing lost, nothing doubled, nothing left behind" on one knowledge base. */
async function expectAllIngestedOnce(stack: FaultSystem, kb: string, uuids: string[], observe: Observe) {
  const { rows: links } = await stack.pool.query(
    `SELECT id, file_uuid, ingestion_status, chunk_count, attempt, dispatch_retries, ingestion_error FROM file_knowledge_base_links WHERE knowledgebase_id = $1`,
    [kb],
  );
  const byStatus = links.reduce<Record<string, number>>((acc, l) => ({ ...acc, [l.ingestion_status]: (acc[l.ingestion_status] ?? 0) + 1 }), {});
  const rows = await stack.vectorRows(kb);
  const chunkSum = links.reduce((n, l) => n + (l.chunk_count ?? 0), 0);
  const unfinished = (await stack.queue().getJobs(['failed', 'waiting', 'active', 'delayed', 'paused'])).filter((j) => j?.name === INGEST_SINGLE_FILE_JOB);
  observe(
    `links by status ${JSON.stringify(byStatus)}; table rows ${rows.count}, distinct node ids ${rows.distinctNodeIds}, sum of chunk_count ${chunkSum}; ${unfinished.length} ingestion jobs unfinished`,
  );
  const failures = links
    .filter((l) => l.ingestion_status === 'failed')
    .slice(0, 3)
    .map((l) => l.ingestion_error);
  if (failures.length) observe(`first failures: ${JSON.stringify(failures)}`);
  expect(byStatus).toEqual({ completed: uuids.length });
  expect(links.every((l) => l.attempt === 1)).toBe(true);
  expect(rows.distinctNodeIds).toBe(rows.count);
  expect(rows.count).toBe(chunkSum);
  expect(unfinished).toEqual([]);
  return links;
}

describe('dispatch at production scale', () => {
  describe('behind a gate that answers 429', () => {
    let stack: FaultSystem;
    const KB = 'scale';

    beforeAll(async () => {
      stack = await startFaultSystem({
        name: 'dispatch-429',
        ingestionGate: { limit: SERVICE_LIMIT, retryAfterSeconds: 1 },
        embeddingStandIn: { dimensions: 64 },
        apiEnv: { MAX_IN_FLIGHT_DISPATCHES: String(API_IN_FLIGHT), DISPATCH_RETRY_BASE_MS: '200', DISPATCH_RETRY_MAX_MS: '3000', LOG_LEVEL: 'warn' },
        ingestionEnv: { LOG_LEVEL: 'warn', PROGRESS_MIN_INTERVAL_MS: '1000' },
      });
      await stack.createKnowledgeBase(KB, { provider: 'openai' });
    });
    afterAll(() => stack?.stop());

    faultTest(
      `${FILES} files enqueued at once, the ingestion service answering 429 above ${SERVICE_LIMIT} concurrent requests (api allows ${API_IN_FLIGHT})`,
      `every link \`completed\` in its first attempt, 0 failed, 0 duplicate rows, 0 stuck jobs; never more than ${SERVICE_LIMIT} requests at the service; refused sends come back as \`pending\` and are retried; the api's GET /health answers throughout`,
      async (observe) => {
        const uploadStarted = Date.now();
        const uuids = await uploadMany(stack, KB, FILES, 'scale');
        observe(`${FILES} files uploaded in ${((Date.now() - uploadStarted) / 1000).toFixed(1)} s`);

        // All at once: one request per 1,000 files (the most ingest-selected takes), sent together.
        // The api's liveness while every dispatch slot is taken and the rest of the files wait queued.
        const probe = startHealthProbe(`${stack.apiUrl}/health`);
        const started = Date.now();
        const batches = Array.from({ length: Math.ceil(FILES / 1000) }, (_, i) => uuids.slice(i * 1000, (i + 1) * 1000));
        const queued = (await Promise.all(batches.map((batch) => stack.enqueue(batch, KB)))).flat();
        expect(queued).toHaveLength(FILES);
        const enqueuedMs = Date.now() - started;
        await untilAllFinal(stack, KB, FILES, 1_200_000);
        const elapsedMs = Date.now() - started;
        const health = await probe.stop();

        const links = await expectAllIngestedOnce(stack, KB, uuids, observe);
        const { rows: timings } = await stack.pool.query<{ ms: number }>(
          `SELECT extract(epoch FROM ingestion_completed_at - $2::timestamptz) * 1000 AS ms FROM file_knowledge_base_links WHERE knowledgebase_id = $1`,
          [KB, new Date(started)],
        );
        const latencies = timings.map((t) => Number(t.ms)).sort((a, b) => a - b);
        const retries = links.map((l) => l.dispatch_retries as number);
        const gate = stack.gate!;
        const metrics = {
          files: FILES,
          serviceLimit: SERVICE_LIMIT,
          apiMaxInFlight: API_IN_FLIGHT,
          enqueueRequestMs: enqueuedMs,
          enqueueToAllFinalMs: elapsedMs,
          filesPerSecond: Number((FILES / (elapsedMs / 1000)).toFixed(2)),
          pendingToCompletedMs: { p50: Math.round(percentile(latencies, 0.5)), p95: Math.round(percentile(latencies, 0.95)), max: Math.round(latencies.at(-1) ?? NaN) },
          mostInFlightAtService: gate.peak,
          admitted: gate.admitted,
          answered429: gate.refused,
          apiHealth: health,
          retriesPerLink: {
            mean: Number((retries.reduce((a, b) => a + b, 0) / retries.length).toFixed(2)),
            max: Math.max(...retries),
            withoutRetry: retries.filter((r) => r === 0).length,
          },
        };
        mkdirSync(FAULT_REPORT_DIR, { recursive: true });
        writeFileSync(join(FAULT_REPORT_DIR, 'dispatch-429.json'), JSON.stringify(metrics, null, 2));
        observe(
          `all ${FILES} final ${(elapsedMs / 1000).toFixed(1)} s after enqueueing: ${metrics.filesPerSecond} files/s; pending→completed p50 ${(metrics.pendingToCompletedMs.p50 / 1000).toFixed(1)} s, p95 ${(metrics.pendingToCompletedMs.p95 / 1000).toFixed(1)} s`,
        );
        observe(`at the service: most in flight ${gate.peak} (limit ${SERVICE_LIMIT}); ${gate.admitted} requests let through, ${gate.refused} answered 429`);
        observe(
          `api GET /health meanwhile: answered ${health.requests - health.failures.length} of ${health.requests}; latency p50 ${health.p50Ms} ms, p99 ${health.p99Ms} ms, max ${health.maxMs} ms`,
        );
        observe(`retries per link: mean ${metrics.retriesPerLink.mean}, max ${metrics.retriesPerLink.max}, ${metrics.retriesPerLink.withoutRetry} links sent once`);

        expect(gate.peak).toBeLessThanOrEqual(SERVICE_LIMIT);
        expect(gate.refused).toBeGreaterThan(0);
        // Every 429 became exactly one retry of its link, and every file was let through once.
        expect(retries.reduce((a, b) => a + b, 0)).toBe(gate.refused);
        expect(gate.admitted).toBe(FILES);
        expect(health.failures).toEqual([]);
      },
      1_500_000,
    );
  });

  describe('on a Redis that already holds the jobs of another database', () => {
    const COUNT = 30;
    let redis: RedisServerHandle;

    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis?.stop());

    faultTest(
      'stale Redis jobs: a fresh database on a Redis holding finished jobs with every id it will produce (left by an older version and by an earlier stack whose data directory was deleted)',
      'every ingestion of the new stack runs and completes; the old jobs are untouched',
      async (observe) => {
        // What an earlier version left: finished jobs under Bull's default prefix with the ids a
        // new database produces (link-1-attempt-1, …).
        const legacy = new Bull(INGESTION_QUEUE, redis.url);
        for (let id = 1; id <= COUNT + 5; id++) {
          await legacy.add(INGEST_SINGLE_FILE_JOB, { linkId: id, attempt: 1 }, { jobId: ingestJobId({ linkId: id, attempt: 1 }) });
        }
        // Run them to the end as that version did, then stop its worker.
        void legacy.process(INGEST_SINGLE_FILE_JOB, async () => 'done long ago');
        await waitUntil('the old jobs to finish', async () => (await legacy.getCompletedCount()) === COUNT + 5, 60_000);
        await legacy.pause(true);
        const legacyCompleted = await legacy.getCompletedCount();
        observe(`${legacyCompleted} finished jobs link-1-attempt-1 … link-${COUNT + 5}-attempt-1 under the default prefix`);

        // An earlier stack on the same Redis, then its data directory deleted: the same ids again.
        const first = await startFaultSystem({ name: 'stale-redis-first', redis, embeddingStandIn: { dimensions: 64 } });
        let firstInstallation: string;
        try {
          firstInstallation = first.installationId;
          await first.createKnowledgeBase('stale', { provider: 'openai' });
          const uuids = await uploadMany(first, 'stale', COUNT, 'first');
          await first.enqueue(uuids, 'stale');
          await untilAllFinal(first, 'stale', COUNT, 300_000);
          await expectAllIngestedOnce(first, 'stale', uuids, observe);
        } finally {
          await first.stop();
        }
        observe(`first stack (installation ${firstInstallation}) ingested ${COUNT} files and stopped; its database is gone, Redis keeps its jobs`);

        const second = await startFaultSystem({ name: 'stale-redis-second', redis, embeddingStandIn: { dimensions: 64 } });
        try {
          expect(second.installationId).not.toBe(firstInstallation);
          await second.createKnowledgeBase('stale', { provider: 'openai' });
          const uuids = await uploadMany(second, 'stale', COUNT, 'second');
          const queued = await second.enqueue(uuids, 'stale');
          // The ids the first stack and the old version used, all of them again.
          expect(queued.map((q) => q.job_id).sort()).toEqual(Array.from({ length: COUNT }, (_, i) => `link-${i + 1}-attempt-1`).sort());
          await untilAllFinal(second, 'stale', COUNT, 300_000);
          await expectAllIngestedOnce(second, 'stale', uuids, observe);
          observe(`second stack (installation ${second.installationId}) ran all ${COUNT} ingestions with the same job ids`);
        } finally {
          await second.stop();
        }
        expect(await legacy.getCompletedCount()).toBe(legacyCompleted);
        await legacy.close();
      },
      900_000,
    );
  });
});
