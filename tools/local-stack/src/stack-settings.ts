import { resolve } from 'node:path';

export interface StackSettings {
  dataDir: string;
  ports: { postgres: number; gcs: number; ingestion: number; api: number };
  adminKey: string;
  systemKey: string;
  bucket: string;
  /** Set: use this database instead of the embedded one (Cloud SQL, say). */
  databaseUrl?: string;
  /** Set: use this GCS endpoint; `google` means real Google Cloud Storage. */
  gcsEndpoint?: string;
  redisUrl?: string;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return value;
}

/** The local stack's settings: every part on its embedded default unless a variable says otherwise. */
export function stackSettings(env: NodeJS.ProcessEnv = process.env, root = process.cwd()): StackSettings {
  return {
    dataDir: resolve(root, env.DATA_DIR || '.data'),
    ports: {
      postgres: port(env, 'PG_PORT', 54329),
      gcs: port(env, 'GCS_PORT', 4443),
      ingestion: port(env, 'INGESTION_PORT', 8080),
      api: port(env, 'API_PORT', 3000),
    },
    adminKey: env.ADMIN_API_KEY || 'local-admin-key',
    systemKey: env.SYSTEM_API_KEY || 'local-system-key',
    bucket: env.GCS_BUCKET || 'local-docs',
    databaseUrl: env.DATABASE_URL || undefined,
    gcsEndpoint: env.GCS_API_ENDPOINT || undefined,
    redisUrl: env.REDIS_URL || undefined,
  };
}
