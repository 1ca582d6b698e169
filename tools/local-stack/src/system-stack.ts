import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLocalGcs } from '@docingest/local-gcs';
import { startLocalPostgres } from '@docingest/local-postgres';
import { ensureRedis, freePort } from '@docingest/local-redis';
import { ManagedProcess } from './managed-process';
import { PortInUseError, portIsFree } from './ports';
import type { StackSettings } from './stack-settings';
import { ServiceStartError } from './service-failure';
import { httpOk, waitFor } from './wait-for';

const root = resolve(__dirname, '../../..');
const TS_NODE = [process.execPath, '-r', '@swc-node/register'];

export interface SystemOptions {
  /** Extra variables for one service (a test's knobs: STALE_AFTER_MS, API_URL…). */
  ingestionEnv?: NodeJS.ProcessEnv;
  apiEnv?: NodeJS.ProcessEnv;
  /** Where each service's output lines go; default stdout with the service's name. */
  write?: (line: string) => void;
  /** How each service's line is shown before it is written (npm start: pretty-printed). */
  format?: (line: string) => string;
  /** Called when a service exits while the system is not stopping. */
  onServiceExit?: (service: ManagedProcess, code: number | null) => void;
}

export type RunningSystem = Awaited<ReturnType<typeof startSystem>>;

/**
 * The whole system as separate processes, as in production: PGlite over the wire, the GCS
 * server, Redis, the ingestion service and the api, talking over HTTP and DATABASE_URL.
 * Any part given by a setting (DATABASE_URL, GCS_API_ENDPOINT, REDIS_URL) is used instead.
 */
export async function startSystem(settings: StackSettings, options: SystemOptions = {}) {
  const stops: Array<() => Promise<void>> = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    for (const step of stops.reverse()) await step().catch((e) => console.error(`stop failed: ${(e as Error).message}`));
    stops.length = 0;
  };
  const log = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));

  try {
    const wanted: Array<[number, string, boolean]> = [
      [settings.ports.postgres, 'PG_PORT', !settings.databaseUrl],
      [settings.ports.gcs, 'GCS_PORT', !settings.gcsEndpoint],
      [settings.ports.ingestion, 'INGESTION_PORT', true],
      [settings.ports.api, 'API_PORT', true],
    ];
    for (const [port, variable, used] of wanted) {
      if (used && port !== 0 && !(await portIsFree(port))) throw new PortInUseError(port, variable);
    }
    mkdirSync(settings.dataDir, { recursive: true });

    let databaseUrl = settings.databaseUrl;
    if (!databaseUrl) {
      const postgres = await startLocalPostgres({ port: settings.ports.postgres, dataDir: join(settings.dataDir, 'postgres') });
      stops.push(() => postgres.stop());
      databaseUrl = postgres.url;
      log(`postgres | PGlite with pgvector on ${postgres.url} (data in ${join(settings.dataDir, 'postgres')})`);
    }

    let gcsEndpoint = settings.gcsEndpoint === 'google' ? '' : settings.gcsEndpoint;
    if (settings.gcsEndpoint === undefined) {
      const gcs = await startLocalGcs({ port: settings.ports.gcs, rootDir: join(settings.dataDir, 'gcs'), buckets: [settings.bucket] });
      stops.push(() => gcs.stop());
      gcsEndpoint = gcs.url;
      log(`gcs      | GCS JSON API on ${gcs.url}, bucket ${settings.bucket} (objects in ${join(settings.dataDir, 'gcs')})`);
    }

    const redis = await ensureRedis(settings.redisUrl);
    stops.push(() => redis.stop());
    log(`redis    | ${redis.url}${redis.started ? ' (started for this run)' : ''}`);

    const apiPort = settings.ports.api || (await freePort());
    const ingestionPort = settings.ports.ingestion || (await freePort());
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const ingestionUrl = `http://127.0.0.1:${ingestionPort}`;
    const shared = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SYSTEM_API_KEY: settings.systemKey,
      AUTH_MODE: 'api-key',
      GCS_BUCKET: settings.bucket,
      GCS_API_ENDPOINT: gcsEndpoint ?? '',
      GCS_PROJECT_ID: process.env.GCS_PROJECT_ID || 'local',
    };
    const ingestion = new ManagedProcess(
      'ingestion',
      [...TS_NODE, join(root, 'cloudrun/ingestion/src/main.ts')],
      { ...shared, PORT: String(ingestionPort), HOST: '127.0.0.1', API_URL: apiUrl, ...options.ingestionEnv },
      0,
      options.write,
      options.format,
    );
    const api = new ManagedProcess(
      'api',
      [...TS_NODE, join(root, 'apps/api/src/main.ts')],
      {
        ...shared,
        PORT: String(apiPort),
        HOST: '127.0.0.1',
        REDIS_URL: redis.url,
        INGESTION_SERVICE_URL: ingestionUrl,
        ADMIN_API_KEY: settings.adminKey,
        ...options.apiEnv,
      },
      1,
      options.write,
      options.format,
    );
    const onExit = (service: ManagedProcess) => (code: number | null) => {
      if (!stopping) options.onServiceExit?.(service, code);
    };
    for (const service of [ingestion, api]) {
      service.start(onExit(service));
      stops.push(() => service.stop());
    }
    const exitedEarly = (service: ManagedProcess) => () => {
      const exit = service.lastExit;
      return exit ? new ServiceStartError(service.name, exit.code, exit.signal, service.lastLines) : null;
    };
    const ready = {
      ingestion: () => waitFor('the ingestion service', () => httpOk(`${ingestionUrl}/health/ready`), 90_000, 200, exitedEarly(ingestion)),
      api: () => waitFor('the api', () => httpOk(`${apiUrl}/health`), 90_000, 200, exitedEarly(api)),
    };
    // While both start, either one dying ends the wait, whichever is being waited for.
    const eitherExited = () => exitedEarly(ingestion)() ?? exitedEarly(api)();
    await waitFor('the ingestion service', () => httpOk(`${ingestionUrl}/health/ready`), 90_000, 200, eitherExited);
    await waitFor('the api', () => httpOk(`${apiUrl}/health`), 90_000, 200, eitherExited);

    return {
      apiUrl,
      ingestionUrl,
      databaseUrl,
      gcsEndpoint,
      redisUrl: redis.url,
      adminKey: settings.adminKey,
      systemKey: settings.systemKey,
      bucket: settings.bucket,
      services: { ingestion, api },
      /**
       * Starts a service again after a test stopped or killed it, and waits until it answers;
       * `env` overrides variables for this run only.
       */
      async restart(name: 'ingestion' | 'api', env: NodeJS.ProcessEnv = {}): Promise<void> {
        const service = name === 'api' ? api : ingestion;
        await service.stop();
        service.start(onExit(service), env);
        await ready[name]();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
