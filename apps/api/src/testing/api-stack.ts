import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import { waitUntil } from '@docingest/contracts/testing';
import { startLocalGcs, type LocalGcs } from '@docingest/local-gcs';
import { startLocalPostgres, type LocalPostgres } from '@docingest/local-postgres';
import { freePort, startRedisServer, type RedisServerHandle } from '@docingest/local-redis';
import { loadApiConfig } from '../config/api-config';
import { createPg15Database, type DatabaseEngine } from './postgres15';
import { createApp } from '../create-app';

export const ADMIN_KEY = 'test-admin-key-0123';
export const SYSTEM_KEY = 'test-system-key';
export const BUCKET = 'docs';
const ROOT = join(__dirname, '../../../..');

export interface StackOptions {
  /** Run the real ingestion service as a child process (default true). */
  ingestion?: boolean | { env?: Record<string, string> };
  /** Point the api at this URL instead (e.g. a closed port). */
  ingestionUrl?: string;
  apiEnv?: Record<string, string>;
  /**
   * Where the api's tables live: the embedded PGlite (default), or a database of its own on the
   * machine's PostgreSQL 15 (no pgvector there: only with `ingestion: false`).
   */
  database?: DatabaseEngine;
}

/** Starts the ingestion service as its own process, as Cloud Run would run it. */
export async function startIngestionProcess(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; logLines: Array<Record<string, unknown>>; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'cloudrun/ingestion/src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', EMBEDDING_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  /** Every JSON line the service wrote, parsed, for tests of what Cloud Logging would read. */
  const logLines: Array<Record<string, unknown>> = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      if (line.startsWith('{')) {
        try {
          logLines.push(JSON.parse(line));
        } catch {
          // not a log line
        }
      }
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntil(`the ingestion service at ${url}`, async () => {
      if (child.exitCode !== null) throw new Error(`the ingestion service exited: ${output.slice(-10).join('\n')}`);
      return fetch(`${url}/`).then(
        (r) => r.ok,
        () => false,
      );
    });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message} (output: ${output.slice(-10).join(' | ')})`);
  }
  return { url, child, logLines, stop };
}

export type ApiStack = Awaited<ReturnType<typeof startApiStack>>;

/** Stops everything, last started first; every stop runs even if an earlier one throws. */
async function stopAll(stops: Array<() => Promise<unknown>>): Promise<void> {
  const errors: unknown[] = [];
  for (const stop of [...stops].reverse()) {
    try {
      await stop();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length) throw new AggregateError(errors, `stopping the api stack: ${errors.map((e) => (e as Error).message).join('; ')}`);
}

/** The api on a real port with real Redis, PGlite over the wire, the GCS server, and the real ingestion service. */
export async function startApiStack(options: StackOptions = {}) {
  // Whatever has started is stopped if a later step fails: a failed beforeAll must not leave processes behind.
  const stops: Array<() => Promise<unknown>> = [];
  try {
    return await startParts(options, stops);
  } catch (error) {
    await stopAll(stops).catch(() => undefined);
    throw error;
  }
}

async function startParts(options: StackOptions, stops: Array<() => Promise<unknown>>) {
  if (options.database === 'PostgreSQL 15' && options.ingestion !== false) throw new Error('PostgreSQL 15 has no pgvector here: use it with ingestion: false');
  let postgres: LocalPostgres | undefined;
  let databaseUrl: string;
  if (options.database === 'PostgreSQL 15') {
    const own = await createPg15Database('api');
    stops.push(() => own.drop());
    databaseUrl = own.url;
  } else {
    const local = await startLocalPostgres({});
    stops.push(() => local.stop());
    postgres = local;
    databaseUrl = local.url;
  }
  const gcs: LocalGcs = await startLocalGcs({ buckets: [BUCKET] });
  stops.push(() => gcs.stop());
  const redis: RedisServerHandle = await startRedisServer();
  stops.push(() => redis.stop());
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const ingestion =
    options.ingestion === false
      ? undefined
      : await startIngestionProcess({
          DATABASE_URL: databaseUrl,
          API_URL: apiUrl,
          SYSTEM_API_KEY: SYSTEM_KEY,
          GCS_BUCKET: BUCKET,
          GCS_API_ENDPOINT: gcs.url,
          GCS_PROJECT_ID: 'local',
          PROGRESS_MIN_INTERVAL_MS: '0',
          PROGRESS_HOLD_MS: '0',
          ...(typeof options.ingestion === 'object' ? options.ingestion.env : {}),
        });
  if (ingestion) stops.push(() => ingestion.stop());
  const config = loadApiConfig({
    PORT: String(apiPort),
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    INGESTION_SERVICE_URL: options.ingestionUrl ?? ingestion?.url ?? 'http://127.0.0.1:9',
    SYSTEM_API_KEY: SYSTEM_KEY,
    ADMIN_API_KEY: ADMIN_KEY,
    GCS_BUCKET: BUCKET,
    GCS_API_ENDPOINT: gcs.url,
    GCS_PROJECT_ID: 'local',
    LOG_LEVEL: 'error',
    ...options.apiEnv,
  });
  /** Every JSON line the api logged, parsed, for tests of what Cloud Logging would read. */
  const logLines: Array<Record<string, unknown>> = [];
  const app: INestApplication = await createApp(config, {
    logDestination: { write: (line: string) => void (logLines.push(JSON.parse(line)), process.stdout.write(line)) },
  });
  stops.push(() => app.close());
  await app.listen(apiPort, '127.0.0.1');
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  stops.push(() => pool.end());

  async function request(method: string, path: string, body?: unknown, auth: string | null = `Bearer ${ADMIN_KEY}`) {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = auth;
    if (body !== undefined && !(body instanceof FormData)) headers['content-type'] = 'application/json';
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: response.status, body: json };
  }

  return {
    logLines,
    apiUrl,
    app,
    config,
    pool,
    gcs,
    redis,
    ingestion,
    request,
    async createKnowledgeBase(id: string, extra: Record<string, unknown> = {}) {
      const created = await request('POST', '/api/v1/knowledge-bases', {
        knowledgebase_id: id,
        name: id,
        embedding_provider: 'local',
        embedding_model: 'universal-sentence-encoder-lite',
        chunk_size: 64,
        chunk_overlap: 8,
        ...extra,
      });
      if (created.status !== 201) throw new Error(`knowledge base not created: ${JSON.stringify(created)}`);
      return created.body;
    },
    async upload(name: string, data: Uint8Array | string, fields: Record<string, string> = {}) {
      const form = new FormData();
      for (const [key, value] of Object.entries(fields)) form.append(key, value);
      form.append('file', new Blob([typeof data === 'string' ? data : Buffer.from(data)]), name);
      return request('POST', '/api/v1/files', form);
    },
    async link(fileUuid: string, kb: string) {
      const { body } = await request('GET', `/api/v1/files/${fileUuid}/progress`);
      return (body.links as any[]).find((l) => l.knowledgebase_id === kb);
    },
    async waitForFinal(fileUuid: string, kb: string, timeoutMs = 90_000, seen?: number[]) {
      return waitUntil(
        `a final status for ${fileUuid}`,
        async () => {
          const link = await this.link(fileUuid, kb);
          if (link && seen) seen.push(link.ingestion_progress);
          return link && ['completed', 'failed'].includes(link.ingestion_status) ? link : undefined;
        },
        timeoutMs,
      );
    },
    async vectorRows(kb: string, fileUuid: string): Promise<number> {
      const table = `kb_${kb.replace(/-/g, '_')}`;
      const exists = await pool.query(`SELECT to_regclass($1) AS t`, [`ai.data_${table}`]);
      if (!exists.rows[0].t) return 0;
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ai.data_${table} WHERE metadata_->>'file_uuid' = $1`, [fileUuid]);
      return rows[0].n;
    },
    postgres,
    async stop() {
      await stopAll(stops);
    },
  };
}
