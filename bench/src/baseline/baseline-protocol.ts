import type { ChunkSettings, IngestJob, RunOutcome } from '../runs/run-types';

/** The embedder the baseline process builds, the same one the service builds for the same request. */
export type BaselineEmbedderConfig = { provider: 'openai'; model: string; baseURL: string; apiKey: string; maxInFlight: number } | { provider: 'local'; workers: number };

/** Everything the baseline process needs, passed in its environment at start. */
export interface BaselineConfig {
  gcsUrl: string;
  databaseUrl: string;
  embedder: BaselineEmbedderConfig;
}

export interface BaselineRunRequest extends ChunkSettings {
  type: 'run';
  jobs: IngestJob[];
  schemaName: string;
  tableName: string;
  dimensions: number;
  concurrency: number;
}

export type BaselineMessage = { type: 'ready' } | { type: 'done'; outcome: RunOutcome } | { type: 'error'; message: string };

export const BASELINE_CONFIG_ENV = 'BENCH_BASELINE_CONFIG';
