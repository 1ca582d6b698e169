import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { Storage } from '@google-cloud/storage';
import { startLocalGcs, localStorageOptions } from '@docingest/local-gcs';
import { startLocalPostgres } from '@docingest/local-postgres';
import { ApiKeyVerifier, apiKeyAuth } from '@docingest/service-auth';
import { VectorStore } from '@docingest/vector-store';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { EmbedderRegistry, embedderSettings } from '../embedder-registry';
import { vectorStoreOptions } from '../vector-store-options';
import { CallbackReceiver } from '@docingest/contracts/testing';

export const SYSTEM_KEY = 'test-system-key';
export const BUCKET = 'docs';

export type IngestionStack = Awaited<ReturnType<typeof startIngestionStack>>;

/**
 * The ingestion service on a real port with everything it talks to: PGlite with pgvector over
 * the wire (its own process), the GCS server driven by the official client, and a callback
 * receiver standing where the api is.
 */
export async function startIngestionStack(env: Record<string, string> = {}) {
  const postgres = await startLocalPostgres({});
  const gcs = await startLocalGcs({ buckets: [BUCKET, 'archive'] });
  const receiver = await new CallbackReceiver().start();
  /** Every request the GCS server was sent, as `METHOD path?query`, for tests of what a file costs there. */
  const gcsRequests: string[] = [];
  gcs.server.on('request', (req: IncomingMessage) => gcsRequests.push(`${req.method} ${req.url}`));
  const config = loadConfig({
    DATABASE_URL: postgres.url,
    API_URL: receiver.url,
    SYSTEM_API_KEY: SYSTEM_KEY,
    GCS_BUCKET: BUCKET,
    GCS_API_ENDPOINT: gcs.url,
    GCS_PROJECT_ID: 'local',
    LOG_LEVEL: 'error',
    PROGRESS_MIN_INTERVAL_MS: '0',
    // Every stage reported as it starts, as the tests of the callbacks expect.
    PROGRESS_HOLD_MS: '0',
    CALLBACK_FINAL_RETRY_MS: '1000',
    ...env,
  });
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE });
  const storage = new Storage(localStorageOptions(gcs.url));
  const embedders = new EmbedderRegistry(embedderSettings(config));
  const vectors = new VectorStore(pool, vectorStoreOptions(config));
  /** Every JSON line the service logged, parsed, for tests of what Cloud Logging would read. */
  const logLines: Array<Record<string, unknown>> = [];
  const { app, inflight } = await buildApp({
    config,
    pool,
    storage,
    embedders,
    vectors,
    verifier: new ApiKeyVerifier({ system: SYSTEM_KEY }),
    outboundAuth: apiKeyAuth(SYSTEM_KEY),
    logDestination: { write: (line: string) => void (logLines.push(JSON.parse(line)), process.stdout.write(line)) },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  async function call(path: string, body: unknown, headers: Record<string, string> = { authorization: `Api-Key ${SYSTEM_KEY}` }) {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  return {
    url,
    app,
    inflight,
    pool,
    storage,
    vectors,
    embedders,
    receiver,
    config,
    logLines,
    gcsRequests,
    call,
    async upload(key: string, data: Buffer | string, contentType?: string) {
      await storage.bucket(BUCKET).file(key).save(data, { resumable: false, contentType });
      return `gs://${BUCKET}/${key}`;
    },
    async rowsFor(table: string, fileUuid: string) {
      const exists = await vectors.tableDimensions(table);
      if (exists === null) return [];
      const { rows } = await pool.query(`SELECT node_id, text, metadata_ FROM ai.data_${table} WHERE metadata_->>'file_uuid' = $1 ORDER BY id`, [fileUuid]);
      return rows as Array<{ node_id: string; text: string; metadata_: Record<string, any> }>;
    },
    async stop() {
      await app.close();
      await embedders.close();
      await pool.end();
      await receiver.stop();
      await gcs.stop();
      await postgres.stop();
    },
  };
}
