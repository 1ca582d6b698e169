import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startRedisServer, type RedisServerHandle } from '@docingest/local-redis';
import { startSystem, type RunningSystem, type SystemOptions } from '../../../local-stack/src/system-stack';
import { stackSettings } from '../../../local-stack/src/stack-settings';

export const workspaceRoot = resolve(__dirname, '../../../..');
export const reportsDir = join(workspaceRoot, 'reports');
export const ADMIN_KEY = 'e2e-admin-key';

export interface E2eSystem {
  system: RunningSystem;
  redis: RedisServerHandle;
  dataDir: string;
  apiUrl: string;
  adminKey: string;
  /** Where every service's output lines go: kept as a test artefact for when something fails. */
  logFile: string;
  /** Stops the services, keeps Redis and the data dir (a restart reuses both). */
  stopServices(): Promise<void>;
  /** Starts the services again from the same data dir and Redis. */
  restartServices(): Promise<void>;
  /** Stops everything and removes the data dir. */
  stop(): Promise<void>;
}

/** The settings `npm start` would use, with every port free-chosen and the data in `dataDir`. */
export function e2eSettings(dataDir: string, redisUrl: string, extra: NodeJS.ProcessEnv = {}) {
  return stackSettings(
    {
      DATA_DIR: dataDir,
      PG_PORT: '0',
      GCS_PORT: '0',
      INGESTION_PORT: '0',
      API_PORT: '0',
      REDIS_URL: redisUrl,
      ADMIN_API_KEY: ADMIN_KEY,
      SYSTEM_API_KEY: 'e2e-system-key',
      ...extra,
    },
    workspaceRoot,
  );
}

/**
 * The whole system as `npm start` runs it, on a private Redis (Bull queues never meet another
 * test's) and a temporary data dir. A service that dies mid-test is written to the log.
 */
export async function startE2eSystem(name: string, options: Pick<SystemOptions, 'ingestionEnv' | 'apiEnv'> = {}): Promise<E2eSystem> {
  const logDir = join(reportsDir, 'system-e2e');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  writeFileSync(logFile, '');
  const write = (line: string) => appendFileSync(logFile, `${line}\n`);

  const dataDir = mkdtempSync(join(tmpdir(), 'docingest-e2e-'));
  const redis = await startRedisServer();
  const boot = () =>
    startSystem(e2eSettings(dataDir, redis.url), {
      ...options,
      write,
      onServiceExit: (service, code) => write(`!!! ${service.name} exited with code ${code} while the system was running`),
    });
  let system: RunningSystem;
  try {
    system = await boot();
  } catch (error) {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message} (service output in ${logFile})`);
  }
  const handle: E2eSystem = {
    system,
    redis,
    dataDir,
    apiUrl: system.apiUrl,
    adminKey: system.adminKey,
    logFile,
    async stopServices() {
      await handle.system.stop();
    },
    async restartServices() {
      handle.system = await boot();
      handle.apiUrl = handle.system.apiUrl;
    },
    async stop() {
      await handle.system.stop();
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
