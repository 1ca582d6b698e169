import { Pool } from 'pg';
import { Storage } from '@google-cloud/storage';
import { ApiKeyVerifier, CompositeVerifier, GoogleIdTokenVerifier, apiKeyAuth, googleIdTokenAuth } from '@docingest/service-auth';
import { LOCAL_MODEL } from '@docingest/contracts';
import { VectorStore } from '@docingest/vector-store';
import { buildApp } from './app';
import { ConfigError, loadConfig } from './config';
import { EmbedderRegistry, embedderSettings } from './embedder-registry';
import { parsePoolSettings, sharedParsePool } from './pipeline/parse-pool';
import { vectorStoreOptions } from './vector-store-options';

async function main(): Promise<void> {
  const config = loadConfig();
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE });
  pool.on('error', () => undefined); // a dropped idle connection is replaced on next use
  // A checked-out client has no pool listener: a connection lost mid-transaction would be an
  // unhandled 'error' event that kills the process and every ingestion in it. The query in
  // flight rejects with the same error, and the broken client is not pooled again.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const storage = new Storage({
    projectId: config.GCS_PROJECT_ID || undefined,
    ...(config.GCS_API_ENDPOINT ? { apiEndpoint: config.GCS_API_ENDPOINT, useAuthWithCustomEndpoint: false } : {}),
  });
  const embedders = new EmbedderRegistry(embedderSettings(config));
  const vectors = new VectorStore(pool, vectorStoreOptions(config));
  const oidc = config.AUTH_MODE === 'oidc';
  const verifier = oidc
    ? new CompositeVerifier([new GoogleIdTokenVerifier({ audience: config.OIDC_AUDIENCE, allowedServiceAccounts: config.OIDC_ALLOWED_CALLERS })])
    : new ApiKeyVerifier({ system: config.SYSTEM_API_KEY });
  const outboundAuth = oidc ? googleIdTokenAuth(config.API_AUDIENCE || config.API_URL) : apiKeyAuth(config.SYSTEM_API_KEY);

  const { app, inflight } = await buildApp({ config, pool, storage, embedders, vectors, verifier, outboundAuth });
  await app.listen({ port: config.PORT, host: config.HOST });
  // Started now rather than by the first file, which would otherwise wait seconds for a parse
  // thread and the local model to load (bench/README.md, latency); neither delays readiness.
  const warmInBackground = (what: string, warmUp: () => Promise<Record<string, unknown> | void>) => {
    const started = Date.now();
    warmUp().then(
      (fields) => app.log.info({ event: `${what}.warm`, ...fields, ms: Date.now() - started }),
      (error: Error) => app.log.warn({ event: `${what}.warm_up_failed`, message: error.message }),
    );
  };
  const parsePool = sharedParsePool(parsePoolSettings(config));
  warmInBackground('parse_thread', async () => ({ pages: await parsePool.warmUp() }));
  if (config.LOCAL_MODEL_WARM_UP) {
    const localModel = embedders.get('local', LOCAL_MODEL);
    warmInBackground('local_model', () => localModel.warmUp());
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ event: 'shutdown.started', signal, in_flight: inflight.size });
    const closing = app.close(); // stops accepting; resolves when in-flight requests have answered
    const interrupted = await inflight.drain(config.SHUTDOWN_GRACE_MS);
    await closing;
    await embedders.close();
    await pool.end();
    app.log.info({ event: 'shutdown.done', interrupted });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  const message = error instanceof ConfigError ? error.message : `ingestion service failed to start: ${(error as Error).stack ?? error}`;
  process.stderr.write(`${JSON.stringify({ severity: 'CRITICAL', service: 'ingestion', message })}\n`);
  process.exit(1);
});
