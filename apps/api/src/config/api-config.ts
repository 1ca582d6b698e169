import { bool, num, port, str, url } from 'envalid';
import { list, loadServiceConfig, nonNegativeInt, positiveInt, serviceAuthProblem } from '@docingest/service-config';

export { ConfigError } from '@docingest/service-config';

/**
 * Every variable the api reads, validated once at start-up. Deploy manifests are checked
 * against this object, so a variable is added here or nowhere.
 */
export const apiEnvSpec = {
  PORT: port({ default: 3000, desc: 'HTTP port (Cloud Run sets it)' }),
  HOST: str({ default: '0.0.0.0', desc: 'interface to listen on (npm start uses 127.0.0.1)' }),
  DATABASE_URL: url({ desc: 'PostgreSQL for the app tables (the vector tables live in the same database)' }),
  DB_POOL_SIZE: num({ default: 5, desc: 'connections to PostgreSQL' }),
  REDIS_URL: url({ desc: 'Redis for the Bull queue' }),
  INGESTION_SERVICE_URL: url({ desc: 'base URL of the ingestion service' }),
  AUTH_MODE: str({ choices: ['api-key', 'oidc'], default: 'api-key', desc: 'api-key: shared SYSTEM_API_KEY; oidc: Google ID tokens between services' }),
  SYSTEM_API_KEY: str({ default: '', desc: 'shared service-to-service key (required with AUTH_MODE=api-key)' }),
  ADMIN_API_KEY: str({ desc: 'admin credential for the REST API, the admin UI and the queue dashboard' }),
  SIGN_IN_ATTEMPTS_PER_MINUTE: positiveInt({ default: 10, desc: 'admin sign-in attempts allowed per client address and minute (per instance)' }),
  TRUSTED_PROXY_HOPS: nonNegativeInt({
    default: 0,
    desc: "proxies in front whose X-Forwarded-For/-Proto are believed: 1 on Cloud Run (its front end), so the client's address is throttled and the session cookie is Secure over HTTPS",
  }),
  OIDC_AUDIENCE: str({ default: '', desc: 'this api URL: the audience the ingestion service callbacks must carry' }),
  OIDC_ALLOWED_CALLERS: list({ default: [], desc: 'service accounts allowed to call back, comma-separated' }),
  GCS_BUCKET: str({ desc: 'bucket uploads go to' }),
  GCS_API_ENDPOINT: str({ default: '', desc: 'GCS JSON API endpoint; empty for Google Cloud Storage' }),
  GCS_PROJECT_ID: str({ default: '', desc: 'Google Cloud project of the bucket' }),
  GCS_ALLOWED_BUCKETS: list({
    default: [],
    desc: "buckets a gs:// prefix may be imported from (default: GCS_BUCKET only); the ingestion service's GCS_ALLOWED_BUCKETS must include them",
  }),
  IMPORT_LIST_PAGE_SIZE: positiveInt({
    default: 1000,
    desc: 'objects per listing page of an import (GCS gives at most 1000); each page is registered and queued before the next is read',
  }),
  UPLOAD_MAX_BYTES: num({ default: 200 * 1024 * 1024, desc: 'largest upload' }),
  DISPATCH_TIMEOUT_MS: num({ default: 3_600_000, desc: 'how long a dispatched /ingest-file may run (the Cloud Run request timeout)' }),
  MAX_IN_FLIGHT_DISPATCHES: positiveInt({
    default: 6,
    desc: 'open /ingest-file requests per api process; the rest wait in the queue as pending. Default: ingestion containerConcurrency 4 x maxScale 5, shared by the api maxScale 3 (deploy/README.md)',
  }),
  MAX_EVENT_STREAMS: positiveInt({
    default: 1000,
    desc: 'open ingestion event streams per api process (each holds a listener, a heartbeat timer and up to 1 MiB of unsent events); one more is answered 503 with Retry-After, and the admin UI and the CLI poll meanwhile',
  }),
  DISPATCH_RETRY_DEADLINE_MS: num({
    default: 30 * 60_000,
    desc: 'how long an attempt the ingestion service refused (429, 503, unreachable, reset before it began) is sent again before it is failed',
  }),
  DISPATCH_RETRY_BASE_MS: num({
    default: 1000,
    desc: 'first delay before sending a refused attempt again; doubles each time, with jitter, at least what Retry-After asks',
  }),
  DISPATCH_RETRY_MAX_MS: num({ default: 60_000, desc: 'longest delay between two sends of a refused attempt (Retry-After may ask for more)' }),
  STALE_AFTER_MS: num({
    default: 5 * 60_000,
    desc: "a processing link with no progress (the service sends a heartbeat every HEARTBEAT_INTERVAL_MS) for this long is marked failed; an import still listing with no page for this long and no page job gets its next page's job queued again",
  }),
  SWEEP_INTERVAL_MS: num({ default: 60_000, desc: 'how often stale links, and imports whose listing stalled, are looked for' }),
  SHUTDOWN_GRACE_MS: num({ default: 20_000, desc: 'time pending dispatches get on SIGTERM' }),
  MIGRATE_ON_START: bool({ default: true, desc: 'apply database migrations at start-up' }),
  LOG_LEVEL: str({ choices: ['error', 'warn', 'log', 'debug', 'verbose'], default: 'log', desc: 'least severe log lines written (log is INFO)' }),
  REQUEST_LOGS: bool({ default: false, desc: 'log every request with httpRequest, not only failed ones' }),
  GOOGLE_CLOUD_PROJECT: str({ default: '', desc: 'Google Cloud project: log lines name their trace as projects/<id>/traces/<trace id>, which Cloud Logging links' }),
};

export type ApiConfig = ReturnType<typeof loadApiConfig>;
export const API_CONFIG = Symbol('API_CONFIG');

/** Reads and checks the environment; throws a ConfigError naming every bad variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadServiceConfig(env, apiEnvSpec, [
    serviceAuthProblem,
    (config) => (config.ADMIN_API_KEY.length < 12 ? 'ADMIN_API_KEY: use at least 12 characters' : undefined),
  ]);
}
