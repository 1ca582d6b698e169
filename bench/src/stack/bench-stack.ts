import { Pool } from 'pg';
import { Storage } from '@google-cloud/storage';
import { localStorageOptions, startLocalGcs, type LocalGcs } from '@docingest/local-gcs';
import { startLocalPostgres, type LocalPostgres } from '@docingest/local-postgres';
import { startEmbeddingFixture, type EmbeddingFixture, type EmbeddingFixtureOptions } from '../fixtures/openai-compatible-embedding.fixture';
import { CallbackReceiver } from '@docingest/contracts/testing';
import { IngestionServiceProcess } from './ingestion-service.process';

export const BUCKET = 'bench';
export const SYSTEM_KEY = 'bench-system-key';
export const FIXTURE_API_KEY = 'bench-openai-key';

export interface ServiceSettings {
  /** EMBEDDING_WORKERS: 0 = one per core. */
  embeddingWorkers?: number;
  vectorIndex: 'none' | 'hnsw';
  /** OPENAI_MAX_IN_FLIGHT; default the service's own (4). */
  openaiMaxInFlight?: number;
}

/**
 * Everything both paths talk to, started once per benchmark: PGlite with pgvector over the wire
 * (its own process), the GCS server, the embedding fixture, a callback receiver that only counts. The ingestion
 * service itself is started per phase, so each phase's memory is its own.
 */
export class BenchStack {
  readonly storage: Storage;
  readonly pool: Pool;

  private constructor(
    readonly postgres: LocalPostgres,
    readonly gcs: LocalGcs,
    readonly fixture: EmbeddingFixture,
    readonly callbacks: CallbackReceiver,
  ) {
    this.storage = new Storage(localStorageOptions(gcs.url));
    this.pool = new Pool({ connectionString: postgres.url, max: 2 });
    this.pool.on('error', () => undefined);
  }

  static async start(fixtureOptions: EmbeddingFixtureOptions): Promise<BenchStack> {
    const started: Array<{ stop(): Promise<void> }> = [];
    try {
      // The LlamaIndex baseline holds a transaction open while its own process is busy splitting a
      // large file (SentenceSplitter is quadratic): on a loaded machine that passes PGlite's
      // default idle limit (30 s) and the holder would be cut; the benchmark measures speed, not that.
      // BENCH_DATABASE_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": where the database server spends its time.
      const nodeArgs = (process.env.BENCH_DATABASE_NODE_ARGS ?? '').split(' ').filter(Boolean);
      const postgres = await startLocalPostgres({ idleInTransactionTimeoutMs: 600_000, nodeArgs });
      started.push(postgres);
      const gcs = await startLocalGcs({ buckets: [BUCKET] });
      started.push(gcs);
      const fixture = await startEmbeddingFixture({ apiKey: FIXTURE_API_KEY, ...fixtureOptions });
      started.push({ stop: () => fixture.close() });
      const callbacks = await new CallbackReceiver({ keep: false }).start();
      return new BenchStack(postgres, gcs, fixture, callbacks);
    } catch (error) {
      for (const part of started.reverse()) await part.stop().catch(() => undefined);
      throw error;
    }
  }

  async upload(key: string, bytes: Buffer, contentType: string): Promise<string> {
    // A kept-alive socket the server closed while idle (the machine slow, the wait long) resets the
    // next upload; a simple upload is not retried by the client, so it is tried again here.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.storage.bucket(BUCKET).file(key).save(bytes, { resumable: false, contentType });
        return `gs://${BUCKET}/${key}`;
      } catch (error) {
        if (attempt >= 3 || !/ECONNRESET|socket hang up/.test(String((error as Error).message))) throw error;
      }
    }
  }

  /** The service's environment: everything it needs to reach this stack. */
  serviceEnv(settings: ServiceSettings): Record<string, string> {
    return {
      DATABASE_URL: this.postgres.url,
      API_URL: this.callbacks.url,
      SYSTEM_API_KEY: SYSTEM_KEY,
      GCS_BUCKET: BUCKET,
      GCS_API_ENDPOINT: this.gcs.url,
      GCS_PROJECT_ID: 'local',
      OPENAI_BASE_URL: this.fixture.baseURL,
      OPENAI_API_KEY: FIXTURE_API_KEY,
      VECTOR_INDEX: settings.vectorIndex,
      EMBEDDING_WORKERS: String(settings.embeddingWorkers ?? 0),
      ...(settings.openaiMaxInFlight ? { OPENAI_MAX_IN_FLIGHT: String(settings.openaiMaxInFlight) } : {}),
    };
  }

  startService(settings: ServiceSettings): Promise<IngestionServiceProcess> {
    return IngestionServiceProcess.start(this.serviceEnv(settings));
  }

  async countRows(qualifiedTable: string): Promise<number> {
    const exists = await this.pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [qualifiedTable]);
    if (!exists.rows[0].t) return 0;
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualifiedTable}`);
    return Number(rows[0].n);
  }

  /** Deletes every row of the table, when it exists. */
  async clearTable(qualifiedTable: string): Promise<void> {
    const exists = await this.pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [qualifiedTable]);
    if (exists.rows[0].t) await this.pool.query(`DELETE FROM ${qualifiedTable}`);
  }

  async stop(): Promise<void> {
    await this.pool.end().catch(() => undefined);
    await this.callbacks.stop();
    await this.fixture.close();
    await this.gcs.stop();
    await this.postgres.stop();
  }
}
