import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { startLocalGcs, type LocalGcs } from '@docingest/local-gcs';
import { startLocalPostgres, type LocalPostgres } from '@docingest/local-postgres';
import { freePort, startRedisServer, type RedisServerHandle } from '@docingest/local-redis';
import { SAMPLE_SECRETS } from './support/app-contracts';
import { buildIntoTemp, type BuildOutput } from './support/build-output';
import { startBuiltService, type BuiltService } from './support/built-service';
import { environmentOf } from './support/env-contract';
import { MANIFESTS } from './support/paths';
import { loadServiceManifest } from './support/service-manifest';

const SYSTEM_KEY = 'deploy-check-system-key';
const ADMIN_KEY = 'deploy-check-admin-key-0123';
const BUCKET = 'docs';
const KB = 'deploy-check';

/**
 * The production build (tools/build.js), started the way the images start it (`node
 * dist/.../main.js`, NODE_ENV=production) with the manifests' own settings, except what only
 * exists on Google Cloud: api-key auth instead of ID tokens, and local PostgreSQL+pgvector,
 * GCS and Redis instead of Cloud SQL, Cloud Storage and Memorystore.
 */
describe('production build: both services from dist/, with the manifests settings', () => {
  let out: BuildOutput;
  let postgres: LocalPostgres;
  let gcs: LocalGcs;
  let redis: RedisServerHandle;
  let pool: Pool;
  let ingestion: BuiltService;
  let api: BuiltService;
  /** Why a service did not start: each test that needs it fails with this, the others still run. */
  const startErrors: Partial<Record<'ingestion' | 'api', Error>> = {};

  beforeAll(async () => {
    out = await buildIntoTemp('production');
    [postgres, gcs, redis] = await Promise.all([startLocalPostgres({}), startLocalGcs({ buckets: [BUCKET] }), startRedisServer()]);
    pool = new Pool({ connectionString: postgres.url, max: 1 });
    const [ingestionPort, apiPort] = [await freePort(), await freePort()];
    const local = {
      NODE_ENV: 'production',
      NODE_OPTIONS: '--enable-source-maps', // as the Dockerfiles set it
      AUTH_MODE: 'api-key',
      SYSTEM_API_KEY: SYSTEM_KEY,
      DATABASE_URL: postgres.url,
      GCS_BUCKET: BUCKET,
      GCS_API_ENDPOINT: gcs.url,
      GCS_PROJECT_ID: 'local',
    };
    const appDir = join(out.dir, '..');
    // Settled one by one: a service that fails to start must not leave the other running untracked.
    const [ingestionStart, apiStart] = await Promise.allSettled([
      startBuiltService({
        name: 'ingestion',
        appDir,
        entry: 'dist/cloudrun/ingestion/src/main.js',
        port: ingestionPort,
        readyPath: '/health/ready',
        env: {
          ...environmentOf(loadServiceManifest(MANIFESTS.ingestion).env, SAMPLE_SECRETS),
          ...local,
          HOST: '127.0.0.1',
          API_URL: `http://127.0.0.1:${apiPort}`,
          LOG_LEVEL: 'warn',
        },
      }),
      startBuiltService({
        name: 'api',
        appDir,
        entry: 'dist/apps/api/src/main.js',
        port: apiPort,
        readyPath: '/health/ready',
        env: {
          ...environmentOf(loadServiceManifest(MANIFESTS.api).env, SAMPLE_SECRETS),
          ...local,
          ADMIN_API_KEY: ADMIN_KEY,
          REDIS_URL: redis.url,
          INGESTION_SERVICE_URL: `http://127.0.0.1:${ingestionPort}`,
          LOG_LEVEL: 'warn',
        },
      }),
    ]);
    if (ingestionStart.status === 'fulfilled') ingestion = ingestionStart.value;
    else startErrors.ingestion = ingestionStart.reason as Error;
    if (apiStart.status === 'fulfilled') api = apiStart.value;
    else startErrors.api = apiStart.reason as Error;
  }, 120_000);

  function started(service: BuiltService | undefined, name: 'ingestion' | 'api'): BuiltService {
    if (!service) throw startErrors[name] ?? new Error(`${name} was not started`);
    return service;
  }

  afterAll(async () => {
    await Promise.all([ingestion?.stop(), api?.stop()]);
    await pool?.end();
    await Promise.all([redis?.stop(), gcs?.stop(), postgres?.stop()]);
    out?.remove();
  }, 60_000);

  async function call(name: 'ingestion' | 'api', method: string, path: string, body?: unknown, auth?: string) {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = auth;
    if (body !== undefined && !(body instanceof FormData)) headers['content-type'] = 'application/json';
    const target = started(name === 'api' ? api : ingestion, name);
    const response = await fetch(`${target.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) };
  }
  const admin = `Bearer ${ADMIN_KEY}`;

  it('ingestion answers GET / and GET /health/ready (database reached) with 200', async () => {
    const live = await call('ingestion', 'GET', '/');
    expect(live.status).toBe(200);
    expect(live.json()).toEqual({ service: 'ingestion', status: 'ok' });
    const ready = await call('ingestion', 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', database: 'ok' });
  });

  it('api answers GET /health and GET /health/ready (database and Redis reached) with 200, after applying its migrations', async () => {
    expect((await call('api', 'GET', '/health')).status).toBe(200);
    const ready = await call('api', 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', database: 'ok', redis: 'ok' });
    // MIGRATE_ON_START=true (from the manifest) ran the migrations copied into dist/.
    const shipped = readdirSync(join(out.dir, 'apps/api/migrations'))
      .map((f) => f.replace(/\.js$/, ''))
      .sort();
    const { rows } = await pool.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(shipped);
  });

  it('api serves the admin UI files copied into dist/', async () => {
    const page = await call('api', 'GET', '/admin/');
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
  });

  it('ingestion refuses calls without credentials (401)', async () => {
    expect((await call('ingestion', 'POST', '/ingest-file', {})).status).toBe(401);
    expect((await call('ingestion', 'POST', '/ingest-file', {}, 'Api-Key wrong-key')).status).toBe(401);
  });

  it('api refuses calls without the admin credential (401)', async () => {
    expect((await call('api', 'GET', '/api/v1/knowledge-bases')).status).toBe(401);
    expect((await call('api', 'GET', '/api/v1/knowledge-bases', undefined, 'Bearer wrong-key-0000000')).status).toBe(401);
  });

  it('a file uploaded to the api is ingested by the ingestion service (queue, dispatch, local model, callbacks, pgvector)', async () => {
    const created = await call(
      'api',
      'POST',
      '/api/v1/knowledge-bases',
      {
        knowledgebase_id: KB,
        name: 'deploy check',
        embedding_provider: 'local',
        embedding_model: 'universal-sentence-encoder-lite',
        chunk_size: 64,
        chunk_overlap: 8,
      },
      admin,
    );
    expect(created.status).toBe(201);

    const form = new FormData();
    form.append('knowledgebase_id', KB);
    const text = 'Lighthouse keepers logged passing ships. '.repeat(20) + 'The supply boat came on Tuesdays. '.repeat(20);
    form.append('file', new Blob([text]), 'ledger.txt');
    const uploaded = await call('api', 'POST', '/api/v1/files', form, admin);
    expect(uploaded.status).toBe(201);
    const fileUuid = uploaded.json().uuid as string;

    const queued = await call('api', 'POST', '/api/v1/files/ingest-selected', { file_uuids: [fileUuid], knowledgebase_id: KB }, admin);
    expect(queued.status).toBe(201);

    const deadline = Date.now() + 90_000;
    let link: { ingestion_status: string; chunk_count: number; ingestion_error: string | null } | undefined;
    while (Date.now() < deadline) {
      const progress = await call('api', 'GET', `/api/v1/files/${fileUuid}/progress`, undefined, admin);
      link = (progress.json().links as Array<typeof link & { knowledgebase_id: string }>).find((l) => l!.knowledgebase_id === KB);
      if (link && ['completed', 'failed'].includes(link.ingestion_status)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (link?.ingestion_status !== 'completed') {
      throw new Error(
        `the ingestion ended ${link?.ingestion_status ?? 'never'}: ${link?.ingestion_error}\n` +
          `--- ingestion output ---\n${ingestion.output(30)}\n--- api output ---\n${api.output(30)}`,
      );
    }
    expect(link.ingestion_error).toBeNull();
    expect(link!.chunk_count).toBeGreaterThanOrEqual(2);
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ai.data_kb_${KB.replace(/-/g, '_')} WHERE metadata_->>'file_uuid' = $1`, [fileUuid]);
    expect(rows[0].n).toBe(link!.chunk_count);
  }, 120_000);

  // Last: these stop the services.
  it('ingestion stops on SIGTERM with exit code 0, as Cloud Run stops it, before the 10 s SIGKILL', async () => {
    const service = started(ingestion, 'ingestion');
    const code = await service.stop(10_000);
    expect(service.child.signalCode ?? code).toBe(0);
  }, 30_000);

  it('api stops on SIGTERM, before the 10 s SIGKILL', async () => {
    const service = started(api, 'api');
    const code = await service.stop(10_000);
    // Nest re-raises the signal once closed (enableShutdownHooks): death by SIGTERM, not SIGKILL.
    expect([0, 'SIGTERM']).toContain(service.child.signalCode ?? code);
  }, 30_000);
});
