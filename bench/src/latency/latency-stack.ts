import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Bull from 'bull';
import { Client } from 'pg';
import { startRedisServer, type RedisServerHandle } from '@docingest/local-redis';
import { INGESTION_QUEUE, queuePrefix } from '../../../apps/api/src/ingestion-queue/ingestion-job';
import { stackSettings } from '../../../tools/local-stack/src/stack-settings';
import { startSystem, type RunningSystem } from '../../../tools/local-stack/src/system-stack';
import { ServiceLog } from './service-log';

const ADMIN_KEY = 'bench-admin-key';
export const LATENCY_KB = 'latency';

/** When Bull took a job: the times it stores on the job itself (ms since the epoch). */
export interface JobTimes {
  addedAt: number;
  processedAt: number | null;
}

/**
 * The whole system as `npm start` runs it (PGlite, GCS server, the ingestion service and the api
 * as their own processes, talking HTTP), on a private Redis and a temporary data directory, so
 * nothing else on the machine's shared Redis or a developer's `.data` is met. The services' log
 * lines are kept for the breakdown.
 */
export class LatencyStack {
  private queue: Bull.Queue | null = null;

  private constructor(
    readonly system: RunningSystem,
    readonly log: ServiceLog,
    private readonly redis: RedisServerHandle,
    private readonly dataDir: string,
  ) {}

  static async start(env: { api?: NodeJS.ProcessEnv; ingestion?: NodeJS.ProcessEnv } = {}): Promise<LatencyStack> {
    const dataDir = mkdtempSync(join(tmpdir(), 'docingest-latency-'));
    const redis = await startRedisServer();
    const log = new ServiceLog();
    let system: RunningSystem;
    try {
      const settings = stackSettings(
        { DATA_DIR: dataDir, PG_PORT: '0', GCS_PORT: '0', INGESTION_PORT: '0', API_PORT: '0', REDIS_URL: redis.url, ADMIN_API_KEY: ADMIN_KEY },
        resolve(__dirname, '../../..'),
      );
      system = await startSystem(settings, {
        apiEnv: env.api,
        // As npm start runs it (tools/local-stack/src/main.ts).
        ingestionEnv: { LOCAL_MODEL_WARM_UP: 'true', ...env.ingestion },
        // Every line is parsed as it comes; nothing is printed (the bench prints its own report).
        format: (line) => {
          log.add(line);
          return '';
        },
        write: () => undefined,
      });
    } catch (error) {
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`${(error as Error).message}\n${log.recent()}`);
    }
    return new LatencyStack(system, log, redis, dataDir);
  }

  get apiUrl(): string {
    return this.system.apiUrl;
  }

  get adminKey(): string {
    return ADMIN_KEY;
  }

  /** Bull's own record of a job: when it was added, when a worker took it. */
  async jobTimes(jobId: string): Promise<JobTimes | null> {
    this.queue ??= new Bull(INGESTION_QUEUE, this.system.redisUrl, { prefix: queuePrefix(await this.installationId()) });
    const job = await this.queue.getJob(jobId);
    if (!job) return null;
    return { addedAt: job.timestamp, processedAt: job.processedOn ?? null };
  }

  private async installationId(): Promise<string> {
    const client = new Client({ connectionString: this.system.databaseUrl });
    await client.connect();
    try {
      return (await client.query<{ id: string }>('SELECT id FROM installation')).rows[0].id;
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    await this.queue?.close().catch(() => undefined);
    await this.system.stop();
    await this.redis.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
