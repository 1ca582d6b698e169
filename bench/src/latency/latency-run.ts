import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StageTimingsMs } from '@docingest/contracts';
import { buildPdf } from '@docingest/document-parsing/testing';
import { ingestJobId } from '../../../apps/api/src/ingestion-queue/ingestion-job';
import { ApiClient } from '../../../tools/ingest-cli/src/api-client';
import { pdfPages } from '../corpus/corpus-generator';
import { SeededRandom } from '../corpus/seeded-random';
import { LATENCY_KB, LatencyStack } from './latency-stack';
import { followUntilFinal, pollUntilFinal, type Observer } from './observers';

export interface LatencyOptions {
  /** Files measured, one after another (a cold first file is measured besides them). */
  files: number;
  /** How often the poller asks, as the CLI does (its POLL_MS). */
  pollMs: number;
  /** Seconds the stack stays idle before one more file, measured as `after idle` (0: none). */
  idleS: number;
  /** The services' extra environment (a knob tried side by side). */
  env?: { api?: NodeJS.ProcessEnv; ingestion?: NodeJS.ProcessEnv };
}

/** Milliseconds of one file, each segment from one recorded moment to the next. */
export interface FileLatency {
  /** POST /files: the upload streamed into the bucket and the file recorded. */
  upload: number;
  /** POST /files/ingest-selected up to the job being in Redis (link opened, job added). */
  enqueue: number;
  /** The job waiting in Redis until the api's worker took it (Bull's processedOn − timestamp). */
  queuePickup: number;
  /** The worker taking the job up to the service receiving /ingest-file (link, file and base read, link processing, HTTP). */
  dispatch: number;
  /** The service receiving the request up to the api recording `completed` (its final callback). */
  service: number;
  /** Inside `service`, the service's own timings_ms (callbacks: the ones the pipeline waited for). */
  stages: StageTimingsMs;
  /** The api recording `completed` up to each observer seeing it. */
  seen: Record<string, number>;
  /** Upload started to each observer seeing `completed`. */
  total: Record<string, number>;
}

export interface LatencyMeasure {
  pollMs: number;
  observers: string[];
  /** The first file after the stack started (model, parse thread and JIT cold). */
  cold: FileLatency;
  /** One file after the stack was idle for `idleS` seconds, as a user running the CLI now and then meets it. */
  afterIdle: FileLatency | null;
  idleS: number;
  files: FileLatency[];
  failed: string[];
}

/**
 * A one-page PDF from upload to `completed` as the CLI sees it, on an idle stack with the local
 * embedder: upload, queue, ingest, one file at a time, every moment in between read from where
 * it is recorded (Bull's job, the services' log lines, the link's row) so the time can be split.
 */
export async function measureLatency(options: LatencyOptions, log: (line: string) => void): Promise<LatencyMeasure> {
  log(`latency: starting the local stack (api, ingestion service, PGlite, GCS server, private Redis)`);
  const stack = await LatencyStack.start(options.env);
  const dir = mkdtempSync(join(tmpdir(), 'docingest-latency-pdf-'));
  try {
    const api = new ApiClient(stack.apiUrl, stack.adminKey);
    await createKnowledgeBase(stack);
    const observers: Observer[] = [
      { name: `poll ${options.pollMs} ms`, watch: (linkId) => pollUntilFinal(api, linkId, options.pollMs) },
      { name: 'events', watch: (linkId) => followUntilFinal(api, LATENCY_KB, linkId) },
    ];
    const measure: LatencyMeasure = {
      pollMs: options.pollMs,
      observers: observers.map((o) => o.name),
      cold: null!,
      afterIdle: null,
      idleS: options.idleS,
      files: [],
      failed: [],
    };
    const one = async (i: number) => {
      const path = join(dir, `one-page-${i}.pdf`);
      writeFileSync(path, await buildPdf(pdfPages(new SeededRandom(1000 + i), 1)));
      const file = await measureOne(stack, api, path, observers).catch((error: Error) => {
        measure.failed.push(error.message);
        return null;
      });
      // The dispatch's answer is recorded just after the final callback: let the stack go idle.
      await sleep(300);
      return file;
    };
    measure.cold = (await one(0))!;
    if (!measure.cold) throw new Error(`latency: the first file failed: ${measure.failed[0]}\n${stack.log.recent()}`);
    log(`latency: cold file ${Math.round(Object.values(measure.cold.total)[0])} ms; now ${options.files} files, one at a time`);
    for (let i = 1; i <= options.files; i++) {
      const file = await one(i);
      if (file) measure.files.push(file);
    }
    if (options.idleS > 0) {
      log(`latency: idle for ${options.idleS} s, then one more file`);
      await sleep(options.idleS * 1000);
      measure.afterIdle = await one(options.files + 1);
    }
    return measure;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createKnowledgeBase(stack: LatencyStack): Promise<void> {
  const response = await fetch(`${stack.apiUrl}/api/v1/knowledge-bases`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ knowledgebase_id: LATENCY_KB, name: 'Latency', embedding_provider: 'local', embedding_model: 'universal-sentence-encoder-lite' }),
  });
  if (!response.ok) throw new Error(`latency: could not create the knowledge base: HTTP ${response.status} ${await response.text()}`);
}

async function measureOne(stack: LatencyStack, api: ApiClient, path: string, observers: Observer[]): Promise<FileLatency> {
  const started = Date.now();
  const { uuid } = await api.upload(path, LATENCY_KB);
  const uploaded = Date.now();
  const [queued] = await api.ingest([uuid], LATENCY_KB);
  const seenAt = await Promise.all(
    observers.map(async (o) => {
      const final = await o.watch(queued.link_id);
      if (final.status !== 'completed') throw new Error(`link ${queued.link_id} ended ${final.status}: ${final.error}`);
      return final.seenAt;
    }),
  );
  const link = await api.ingestion(queued.link_id);
  const completedAt = Date.parse(link.ingestion_completed_at!);
  const job = await stack.jobTimes(ingestJobId({ linkId: queued.link_id, attempt: queued.attempt }));
  const received = stack.log.find('ingestion', 'ingest.started', queued.link_id);
  const done = stack.log.find('ingestion', 'ingest.completed', queued.link_id);
  if (!job?.processedAt || !received || !done) {
    throw new Error(`link ${queued.link_id}: missing a recorded moment (job ${JSON.stringify(job)}, ingest.started ${!!received}, ingest.completed ${!!done})`);
  }
  const receivedAt = Date.parse(received.time);
  return {
    upload: uploaded - started,
    enqueue: job.addedAt - uploaded,
    queuePickup: job.processedAt - job.addedAt,
    dispatch: receivedAt - job.processedAt,
    service: completedAt - receivedAt,
    stages: done.timings_ms as StageTimingsMs,
    seen: Object.fromEntries(observers.map((o, i) => [o.name, seenAt[i] - completedAt])),
    total: Object.fromEntries(observers.map((o, i) => [o.name, seenAt[i] - started])),
  };
}
