import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedChunks, proseText } from './support/documents';
import { FAULT_REPORT_DIR, faultTest } from './support/fault-matrix';
import { startFaultSystem, type FaultSystem } from './support/fault-system';
import { sleep } from '@docingest/contracts/testing';

// 200 files take about 20 s of ingestion on this 2-core machine: the full number fits the budget.
const FILES = Number(process.env.FAULTS_LOAD_FILES || 200);
const KB = 'load';
const UPLOADS_AT_ONCE = 8;

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
}

describe('load: many files enqueued at once', () => {
  let stack: FaultSystem;

  beforeAll(async () => {
    stack = await startFaultSystem({ name: 'load' });
    await stack.createKnowledgeBase(KB);
  });
  afterAll(() => stack?.stop());

  faultTest(
    `${FILES} files enqueued in one request against one ingestion service (local embedder)`,
    'every link `completed`; rows in the table = sum of the links’ chunk_count = what the chunker gives; no duplicate chunk ids; every job run once, none lost or failed; the polling endpoint answers throughout',
    async (observe) => {
      const texts = new Map<string, string>();
      const uploadStarted = Date.now();
      for (let i = 0; i < FILES; i += UPLOADS_AT_ONCE) {
        await Promise.all(
          Array.from({ length: Math.min(UPLOADS_AT_ONCE, FILES - i) }, async (_, j) => {
            const text = proseText(3 + ((i + j) % 5), 1000 + i + j);
            texts.set((await stack.upload(`load-${i + j}.txt`, text, { knowledgebase_id: KB })).uuid, text);
          }),
        );
      }
      const uuids = [...texts.keys()];
      observe(`${FILES} files uploaded in ${((Date.now() - uploadStarted) / 1000).toFixed(1)} s`);

      const started = Date.now();
      const queued = await stack.enqueue(uuids, KB);
      const enqueuedMs = Date.now() - started;
      expect(queued).toHaveLength(FILES);

      // Poll as a client would, through the whole run: one file's progress every 200 ms, and the
      // knowledge base's file list (which also tells when everything is final) every second.
      const latencies: number[] = [];
      const pollFailures: string[] = [];
      let finalCount = 0;
      let listedAt = 0;
      const deadline = Date.now() + 300_000;
      while (Date.now() < deadline) {
        const uuid = uuids[latencies.length % uuids.length];
        const poll = await stack.api(`/api/v1/files/${uuid}/progress`).catch((e: Error) => ({ status: 0, ms: NaN, body: e.message }));
        if (poll.status === 200) latencies.push(poll.ms);
        else pollFailures.push(`${poll.status} ${JSON.stringify(poll.body).slice(0, 100)}`);
        if (Date.now() - listedAt >= 1000) {
          listedAt = Date.now();
          const list = await stack.api(`/api/v1/knowledge-bases/${KB}/files`);
          if (list.status === 200) {
            latencies.push(list.ms);
            finalCount = (list.body.items as any[]).filter((f) => f.ingestion_status === 'completed' || f.ingestion_status === 'failed').length;
            if (finalCount === FILES) break;
          } else pollFailures.push(`${list.status} ${JSON.stringify(list.body).slice(0, 100)}`);
        }
        await sleep(200);
      }
      const elapsedMs = Date.now() - started;
      const memory = stack.memory();
      const sorted = [...latencies].sort((a, b) => a - b);
      const metrics = {
        files: FILES,
        enqueueRequestMs: enqueuedMs,
        enqueueToAllFinalMs: elapsedMs,
        filesPerSecond: Number((FILES / (elapsedMs / 1000)).toFixed(2)),
        polls: latencies.length + pollFailures.length,
        pollFailures: pollFailures.length,
        pollLatencyMs: {
          median: Number(percentile(sorted, 0.5).toFixed(1)),
          p95: Number(percentile(sorted, 0.95).toFixed(1)),
          max: Number((sorted.at(-1) ?? NaN).toFixed(1)),
        },
        peakMemoryMiB: { api: memory.api?.peakMiB, ingestion: memory.ingestion?.peakMiB, postgres: memory.postgres?.peakMiB, testRunner: memory.tests?.peakMiB },
      };
      mkdirSync(FAULT_REPORT_DIR, { recursive: true });
      writeFileSync(join(FAULT_REPORT_DIR, 'load.json'), JSON.stringify(metrics, null, 2));
      observe(
        `enqueue request ${(enqueuedMs / 1000).toFixed(1)} s; all ${finalCount} final ${(elapsedMs / 1000).toFixed(1)} s after enqueueing (${metrics.filesPerSecond} files/s)`,
      );
      observe(
        `polling: ${metrics.polls} polls, ${pollFailures.length} failed; latency median ${metrics.pollLatencyMs.median} ms, p95 ${metrics.pollLatencyMs.p95} ms, max ${metrics.pollLatencyMs.max} ms`,
      );
      observe(
        `peak memory (VmHWM): api ${metrics.peakMemoryMiB.api} MiB, ingestion ${metrics.peakMemoryMiB.ingestion} MiB, postgres ${metrics.peakMemoryMiB.postgres} MiB, test runner ${metrics.peakMemoryMiB.testRunner} MiB`,
      );

      const { body } = await stack.api(`/api/v1/knowledge-bases/${KB}/files`);
      const links = body.items as any[];
      const byStatus = links.reduce<Record<string, number>>((acc, l) => ({ ...acc, [l.ingestion_status]: (acc[l.ingestion_status] ?? 0) + 1 }), {});
      const chunkSum = links.reduce((n, l) => n + (l.chunk_count ?? 0), 0);
      let expectedSum = 0;
      for (const [uuid, text] of texts) {
        expectedSum += (await expectedChunks(text, 'x.txt', { chunkSize: 64, chunkOverlap: 8, fileUuid: uuid, knowledgebaseId: KB })).length;
      }
      const rows = await stack.vectorRows(KB);
      const { rows: perFile } = await stack.pool.query<{ file_uuid: string; n: string }>(
        `SELECT metadata_->>'file_uuid' AS file_uuid, count(*) AS n FROM ai.data_kb_load GROUP BY 1`,
      );
      const mismatched = links.filter((l) => Number(perFile.find((p) => p.file_uuid === l.uuid)?.n ?? 0) !== l.chunk_count);
      // Ingestion jobs only: the stale sweeper's repeatable job is always waiting for its next turn.
      const ingestionJobs = async (states: Array<'completed' | 'failed' | 'waiting' | 'active' | 'delayed' | 'paused'>) =>
        (await stack.queue().getJobs(states)).filter((j) => j?.name === 'ingest-single-file-via-http');
      const jobs = await ingestionJobs(['completed']);
      const unfinished = await ingestionJobs(['failed', 'waiting', 'active', 'delayed', 'paused']);
      const dispatches = stack.logged('api', 'dispatch.sent').length;
      observe(
        `links by status ${JSON.stringify(byStatus)}; sum of chunk_count ${chunkSum}; chunker expects ${expectedSum}; table rows ${rows.count}, distinct node ids ${rows.distinctNodeIds}; ${mismatched.length} files whose rows differ from their chunk_count`,
      );
      observe(`queue: ${jobs.length} ingestion jobs completed, ${unfinished.length} failed or unfinished; ${dispatches} dispatches logged`);

      expect(pollFailures).toEqual([]);
      expect(byStatus).toEqual({ completed: FILES });
      expect(links.every((l) => l.attempt === 1)).toBe(true);
      expect(rows.count).toBe(chunkSum);
      expect(chunkSum).toBe(expectedSum);
      expect(rows.distinctNodeIds).toBe(rows.count);
      expect(mismatched).toEqual([]);
      expect(jobs).toHaveLength(FILES);
      expect(new Set(jobs.map((j) => j.id)).size).toBe(FILES);
      expect(unfinished).toEqual([]);
      expect(dispatches).toBe(FILES);
    },
    420_000,
  );
});
