import { stripVTControlCharacters } from 'node:util';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Bull from 'bull';
import { Pool } from 'pg';
import { startOpenAICompatibleServer, type OpenAICompatibleServer, type OpenAICompatibleServerOptions } from '@docingest/embeddings/testing';
import { startLocalPostgres, type LocalPostgres } from '@docingest/local-postgres';
import { freePort, startRedisServer, type RedisServerHandle } from '@docingest/local-redis';
import { INGESTION_QUEUE, queuePrefix } from '../../../../apps/api/src/ingestion-queue/ingestion-job';
import { startSystem, type RunningSystem } from '../../../local-stack/src/system-stack';
import { stackSettings } from '../../../local-stack/src/stack-settings';
import { startCallbackRecorder, type CallbackRecorder } from './callback-recorder';
import { startConcurrencyGate, type ConcurrencyGate } from './concurrency-gate';
import { FAULT_REPORT_DIR } from './fault-matrix';
import { httpJson, type JsonResponse } from './http-json';
import { processMemory } from './process-memory';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { waitUntil } from '@docingest/contracts/testing';

export const ADMIN_KEY = 'fault-suite-admin-key';
export const SYSTEM_KEY = 'fault-suite-system-key';
export const BUCKET = 'fault-docs';
/** The model name knowledge bases on the embedding stand-in use (its size is learnt from the first answer). */
export const STAND_IN_MODEL = 'fault-stand-in-embedder';
export const LOCAL_MODEL = 'universal-sentence-encoder-lite';

export interface FaultSystemOptions {
  /** Names the log file: reports/faults/logs/<name>.log. */
  name: string;
  apiEnv?: NodeJS.ProcessEnv;
  ingestionEnv?: NodeJS.ProcessEnv;
  /** The ingestion service reaches PostgreSQL through a proxy the test can cut. */
  databaseProxy?: boolean;
  /** The api reaches PostgreSQL through a proxy the test can cut. */
  apiDatabaseProxy?: boolean;
  /** The api reaches the ingestion service through a proxy the test can cut or turn silent. */
  ingestionProxy?: boolean;
  /**
   * The api reaches the ingestion service through a gate that answers 429 above `limit`
   * concurrent /ingest-file requests, as Cloud Run does at its limit.
   */
  ingestionGate?: { limit: number; retryAfterSeconds?: number };
  /** Use this Redis (left running on stop) instead of starting one: a Redis that outlives the stack. */
  redis?: RedisServerHandle;
  /** The ingestion service's callbacks pass through a recorder on their way to the api. */
  recordCallbacks?: boolean;
  /**
   * An OpenAI-compatible embeddings stand-in on loopback (the one outside service the suite
   * mocks): knowledge bases with provider `openai` embed in milliseconds, so a fault can aim at
   * storing a large file without waiting minutes for the local model.
   */
  embeddingStandIn?: OpenAICompatibleServerOptions;
}

export interface LogEvent {
  service: string;
  event: string;
  [field: string]: unknown;
}

/** A parsed log line: the ingestion service logs JSON (pino), the api JSON strings inside Nest's JSON. */
function parseLogLine(line: string): LogEvent | null {
  const bar = line.indexOf('|');
  if (bar < 0) return null;
  const service = stripVTControlCharacters(line.slice(0, bar)).trim();
  const text = line.slice(bar + 1).trim();
  if (!text.startsWith('{')) return null;
  try {
    const outer = JSON.parse(text) as Record<string, unknown>;
    if (typeof outer.event === 'string') return { ...outer, service, event: outer.event };
    if (typeof outer.message === 'string' && outer.message.startsWith('{')) {
      const inner = JSON.parse(outer.message) as Record<string, unknown>;
      if (typeof inner.event === 'string') return { ...inner, service, event: inner.event, level: outer.level };
    }
  } catch {
    // not one of ours
  }
  return null;
}

export type FaultSystem = Awaited<ReturnType<typeof startFaultSystem>>;

/**
 * The whole system as real processes (PGlite, GCS server, Redis with an append-only file, the
 * ingestion service, the api) plus the handles a fault test needs to break it: the services'
 * processes, Redis, proxies on the links between parts, and a direct database connection to
 * check what was stored.
 */
export async function startFaultSystem(options: FaultSystemOptions) {
  const dir = mkdtempSync(join(tmpdir(), `fault-${options.name}-`));
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
    cleanups.length = 0;
    rmSync(dir, { recursive: true, force: true });
  };

  const logDir = join(FAULT_REPORT_DIR, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = createWriteStream(join(logDir, `${options.name}.log`));
  cleanups.push(() => new Promise<void>((resolve) => logFile.end(() => resolve())));
  const lines: string[] = [];
  const events: LogEvent[] = [];
  // Called with every event as its line arrives, so a test can act the moment it is logged.
  const eventListeners = new Set<(event: LogEvent) => void>();
  const write = (line: string) => {
    lines.push(line);
    logFile.write(`${line}\n`);
    const event = parseLogLine(line);
    if (!event) return;
    events.push(event);
    for (const listener of eventListeners) listener(event);
  };

  try {
    const redisDir = join(dir, 'redis');
    let redis: RedisServerHandle = options.redis ?? (await startRedisServer({ persistDir: redisDir }));
    if (!options.redis) cleanups.push(() => redis.stop());

    const postgres: LocalPostgres = await startLocalPostgres({
      onLog: (line) => {
        write(`postgres | ${line}`);
      },
    });
    cleanups.push(() => postgres.stop());

    const apiPort = await freePort();
    const ingestionPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;

    const databaseProxy: TcpProxy | undefined = options.databaseProxy ? await startTcpProxy(postgres.port) : undefined;
    if (databaseProxy) cleanups.push(() => databaseProxy.close());
    const apiDatabaseProxy: TcpProxy | undefined = options.apiDatabaseProxy ? await startTcpProxy(postgres.port) : undefined;
    if (apiDatabaseProxy) cleanups.push(() => apiDatabaseProxy.close());
    const ingestionProxy: TcpProxy | undefined = options.ingestionProxy ? await startTcpProxy(ingestionPort) : undefined;
    if (ingestionProxy) cleanups.push(() => ingestionProxy.close());
    const gate: ConcurrencyGate | undefined = options.ingestionGate
      ? await startConcurrencyGate(`http://127.0.0.1:${ingestionPort}`, options.ingestionGate.limit, options.ingestionGate.retryAfterSeconds)
      : undefined;
    if (gate) cleanups.push(() => gate.close());
    const recorder: CallbackRecorder | undefined = options.recordCallbacks ? await startCallbackRecorder(apiPort) : undefined;
    if (recorder) cleanups.push(() => recorder.close());
    const embedder: OpenAICompatibleServer | undefined = options.embeddingStandIn ? await startOpenAICompatibleServer(options.embeddingStandIn) : undefined;
    if (embedder) cleanups.push(() => embedder.close());

    const settings = stackSettings(
      {
        DATA_DIR: join(dir, 'stack'),
        DATABASE_URL: postgres.url,
        REDIS_URL: redis.url,
        API_PORT: String(apiPort),
        INGESTION_PORT: String(ingestionPort),
        GCS_PORT: '0',
        ADMIN_API_KEY: ADMIN_KEY,
        SYSTEM_API_KEY: SYSTEM_KEY,
        GCS_BUCKET: BUCKET,
      },
      dir,
    );
    const databaseUrlVia = (proxy: TcpProxy) => postgres.url.replace(`:${postgres.port}/`, `:${proxy.port}/`);
    const system: RunningSystem = await startSystem(settings, {
      write,
      apiEnv: {
        LOG_LEVEL: 'log',
        ...(ingestionProxy ? { INGESTION_SERVICE_URL: `http://127.0.0.1:${ingestionProxy.port}` } : {}),
        ...(gate ? { INGESTION_SERVICE_URL: gate.url } : {}),
        ...(apiDatabaseProxy ? { DATABASE_URL: databaseUrlVia(apiDatabaseProxy) } : {}),
        ...options.apiEnv,
      },
      ingestionEnv: {
        LOG_LEVEL: 'info',
        PROGRESS_MIN_INTERVAL_MS: '250',
        ...(databaseProxy ? { DATABASE_URL: databaseUrlVia(databaseProxy) } : {}),
        ...(recorder ? { API_URL: recorder.url } : {}),
        ...(embedder ? { OPENAI_API_KEY: 'stand-in-key', OPENAI_BASE_URL: embedder.baseURL } : {}),
        ...options.ingestionEnv,
      },
    });
    cleanups.push(() => system.stop());

    const pool = new Pool({ connectionString: postgres.url, max: 2 });
    pool.on('error', () => undefined);
    cleanups.push(() => pool.end());

    // The api's queue lives under its installation's prefix (the database's id).
    const installationId = (await pool.query<{ id: string }>('SELECT id FROM installation')).rows[0].id;
    let queue: Bull.Queue | undefined;
    cleanups.push(async () => {
      await queue?.close().catch(() => undefined);
    });

    const api = (path: string, init: Parameters<typeof httpJson>[1] = {}): Promise<JsonResponse> =>
      httpJson(`${apiUrl}${path}`, { authorization: `Bearer ${ADMIN_KEY}`, ...init });

    const fs = {
      dir,
      system,
      apiUrl,
      ingestionUrl: system.ingestionUrl,
      postgres,
      get redis() {
        return redis;
      },
      pool,
      installationId,
      embedder,
      databaseProxy,
      apiDatabaseProxy,
      ingestionProxy,
      gate,
      recorder,
      lines,
      events,
      api,

      /** Direct call to the ingestion service (what only the api should do). */
      ingestion(path: string, init: Parameters<typeof httpJson>[1] = {}): Promise<JsonResponse> {
        return httpJson(`${system.ingestionUrl}${path}`, { authorization: `Api-Key ${SYSTEM_KEY}`, ...init });
      },

      /** Log events of one service (`api`, `ingestion`, `postgres`) named `event`, optionally filtered. */
      logged(service: string, event: string, where: (e: LogEvent) => boolean = () => true): LogEvent[] {
        return events.filter((e) => e.service === service && e.event === event && where(e));
      },

      async createKnowledgeBase(id: string, settings: { provider?: 'local' | 'openai'; chunkSize?: number; chunkOverlap?: number } = {}) {
        const provider = settings.provider ?? 'local';
        const created = await api('/api/v1/knowledge-bases', {
          body: {
            knowledgebase_id: id,
            name: id,
            embedding_provider: provider,
            embedding_model: provider === 'local' ? LOCAL_MODEL : STAND_IN_MODEL,
            chunk_size: settings.chunkSize ?? 64,
            chunk_overlap: settings.chunkOverlap ?? 8,
          },
        });
        if (created.status !== 201) throw new Error(`knowledge base ${id} not created: ${JSON.stringify(created.body)}`);
        return created.body as { knowledgebase_id: string; vector_table_name: string; chunk_size: number; chunk_overlap: number };
      },

      /** Uploads through the api (multipart), optionally linking to a knowledge base and queueing it. */
      async upload(
        name: string,
        content: string | Uint8Array,
        fields: Record<string, string> = {},
        type = 'text/plain',
      ): Promise<{ uuid: string; ingestion: { link_id: number; attempt: number } | null }> {
        const form = new FormData();
        for (const [key, value] of Object.entries(fields)) form.append(key, value);
        form.append('file', new Blob([content as BlobPart], { type }), name);
        const uploaded = await api('/api/v1/files', { body: form, timeoutMs: 60_000 });
        if (uploaded.status !== 201) throw new Error(`upload of ${name} failed: ${uploaded.status} ${JSON.stringify(uploaded.body)}`);
        return uploaded.body;
      },

      async enqueue(
        fileUuids: string[],
        knowledgebaseId: string,
        force = false,
      ): Promise<Array<{ file_uuid: string; link_id: number; attempt: number; job_id: string }>> {
        const queued = await api('/api/v1/files/ingest-selected', { body: { file_uuids: fileUuids, knowledgebase_id: knowledgebaseId, force }, timeoutMs: 120_000 });
        if (queued.status !== 201) throw new Error(`enqueue failed: ${queued.status} ${JSON.stringify(queued.body)}`);
        return queued.body.queued;
      },

      /** The link as the polling endpoint shows it. */
      async link(fileUuid: string, knowledgebaseId: string): Promise<any> {
        const { status, body } = await api(`/api/v1/files/${fileUuid}/progress`);
        if (status !== 200) throw new Error(`polling answered ${status}: ${JSON.stringify(body)}`);
        return (body.links as any[]).find((l) => l.knowledgebase_id === knowledgebaseId);
      },

      /** The link as stored, read straight from the database (works while the api is down). */
      async storedLink(linkId: number): Promise<any> {
        const { rows } = await pool.query('SELECT * FROM file_knowledge_base_links WHERE id = $1', [linkId]);
        return rows[0];
      },

      async waitForLink(fileUuid: string, knowledgebaseId: string, what: string, predicate: (link: any) => boolean, timeoutMs = 90_000): Promise<any> {
        return waitUntil(
          `${what} (file ${fileUuid})`,
          async () => {
            const link = await fs.link(fileUuid, knowledgebaseId);
            return link && predicate(link) ? link : undefined;
          },
          timeoutMs,
          150,
        );
      },

      async waitForFinal(fileUuid: string, knowledgebaseId: string, timeoutMs = 90_000): Promise<any> {
        return fs.waitForLink(fileUuid, knowledgebaseId, 'a final status', (l) => l.ingestion_status === 'completed' || l.ingestion_status === 'failed', timeoutMs);
      },

      /**
       * Resolves as soon as `service` logs `event` matching `where` (at once if it already has):
       * pushed by the line as it arrives, so a test can act inside a short window.
       */
      waitForEvent(service: string, event: string, where: (e: LogEvent) => boolean = () => true, timeoutMs = 90_000): Promise<LogEvent> {
        const matches = (e: LogEvent) => e.service === service && e.event === event && where(e);
        const seen = events.find(matches);
        if (seen) return Promise.resolve(seen);
        return new Promise<LogEvent>((resolve, reject) => {
          const timer = setTimeout(() => {
            eventListeners.delete(listener);
            reject(new Error(`timed out after ${timeoutMs} ms waiting for ${service} to log ${event}`));
          }, timeoutMs);
          const listener = (e: LogEvent) => {
            if (!matches(e)) return;
            clearTimeout(timer);
            eventListeners.delete(listener);
            resolve(e);
          };
          eventListeners.add(listener);
        });
      },

      /**
       * Resolves once the ingestion service is inside the transaction that swaps the file's chunks
       * in for this attempt: it logs `store.swap_opened` when the transaction holds the file's lock
       * and before the old rows go, and inserting a large file's rows keeps it open for a while.
       */
      async waitForStoringTransaction(fileUuid: string, attempt: number, timeoutMs = 90_000): Promise<LogEvent> {
        return fs.waitForEvent('ingestion', 'store.swap_opened', (e) => e.file_uuid === fileUuid && e.attempt === attempt, timeoutMs);
      },

      /** Rows of one knowledge base's vector table (all files, or one), with their node ids. */
      async vectorRows(knowledgebaseId: string, fileUuid?: string): Promise<{ count: number; nodeIds: string[]; distinctNodeIds: number }> {
        const table = `ai.data_kb_${knowledgebaseId.replace(/-/g, '_')}`;
        const exists = await pool.query('SELECT to_regclass($1) AS t', [table]);
        if (!exists.rows[0].t) return { count: 0, nodeIds: [], distinctNodeIds: 0 };
        const { rows } = await pool.query<{ node_id: string }>(
          `SELECT node_id FROM ${table} ${fileUuid ? `WHERE metadata_->>'file_uuid' = $1` : ''} ORDER BY id`,
          fileUuid ? [fileUuid] : [],
        );
        const nodeIds = rows.map((r) => r.node_id);
        return { count: nodeIds.length, nodeIds, distinctNodeIds: new Set(nodeIds).size };
      },

      /** Row counts of every table a request could change: app tables and every vector table. */
      async rowCounts(): Promise<Record<string, number>> {
        const counts: Record<string, number> = {};
        for (const table of ['knowledge_bases', 'files', 'file_knowledge_base_links']) {
          counts[table] = Number((await pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
        }
        const { rows } = await pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'ai' ORDER BY tablename`);
        for (const { name } of rows) counts[`ai.${name}`] = Number((await pool.query(`SELECT count(*) AS n FROM ai."${name}"`)).rows[0].n);
        return counts;
      },

      /** A Bull handle on the api's queue, for looking at jobs and pausing the queue for everyone. */
      queue(): Bull.Queue {
        queue ??= new Bull(INGESTION_QUEUE, redis.url, { prefix: queuePrefix(installationId) });
        return queue;
      },

      /** Kills Redis without warning and starts it again on the same port and append-only file. */
      async crashAndRestartRedis(): Promise<void> {
        const port = redis.port;
        redis.kill('SIGKILL');
        await redis.stop();
        redis = await startRedisServer({ persistDir: redisDir, port });
      },

      memory() {
        return {
          api: processMemory(system.services.api.pid),
          ingestion: processMemory(system.services.ingestion.pid),
          postgres: processMemory(postgres.pid),
          tests: processMemory(process.pid),
        };
      },

      stop: cleanup,
    };
    return fs;
  } catch (error) {
    await cleanup();
    throw error;
  }
}
