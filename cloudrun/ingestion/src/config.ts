import { bool, num, port, str, url } from 'envalid';
import { DEFAULT_PARSE_LIMITS, type LimitName } from '@docingest/document-parsing';
import { intInRange, list, loadServiceConfig, nonNegativeInt, positiveInt, serviceAuthProblem } from '@docingest/service-config';
import { DEFAULT_EF_SEARCH, DEFAULT_EXACT_MAX_ROWS, EF_SEARCH_RANGE } from '@docingest/vector-store';
import { DEFAULT_PARSE_POOL } from './pipeline/parse-pool';

export { ConfigError } from '@docingest/service-config';

/**
 * Every variable the ingestion service reads, validated once at start-up. Deploy manifests are
 * checked against this object, so a variable is added here or nowhere.
 */
export const ingestionEnvSpec = {
  PORT: port({ default: 8080, desc: 'HTTP port (Cloud Run sets it)' }),
  HOST: str({ default: '0.0.0.0', desc: 'interface to listen on' }),
  DATABASE_URL: url({ desc: 'PostgreSQL with pgvector, e.g. postgres://user@host:5432/db' }),
  DB_POOL_SIZE: positiveInt({ default: 4, desc: 'connections to PostgreSQL' }),
  VECTOR_SCHEMA: str({ default: 'ai', desc: 'schema of the data_<name> vector tables' }),
  VECTOR_INDEX: str({ choices: ['hnsw', 'none'], default: 'hnsw', desc: 'vector index of a knowledge base table (none: exact search only)' }),
  VECTOR_INDEX_MIN_ROWS: nonNegativeInt({
    default: 20_000,
    desc: 'rows a vector table holds before its HNSW index is built (in the background, once); below it search is exact and inserts skip index upkeep; 0 = with the table',
  }),
  VECTOR_EF_SEARCH: intInRange(
    EF_SEARCH_RANGE.min,
    EF_SEARCH_RANGE.max,
  )({
    default: DEFAULT_EF_SEARCH,
    desc: "hnsw.ef_search of a vector search through the HNSW index: candidates the walk keeps (pgvector's default 40 found about half the exact top 10 on hard data); higher finds more of the exact results and is slower (docs/decisions.md)",
  }),
  VECTOR_EXACT_MAX_ROWS: nonNegativeInt({
    default: DEFAULT_EXACT_MAX_ROWS,
    desc: 'a vector search whose filters (knowledge base, file, team) match at most this many rows is exact even where the table has its HNSW index, so a small knowledge base in a shared table gets its exact nearest chunks; 0 = the planner decides',
  }),
  API_URL: url({ desc: 'base URL of the api, for progress callbacks' }),
  AUTH_MODE: str({ choices: ['api-key', 'oidc'], default: 'api-key', desc: 'api-key: shared SYSTEM_API_KEY; oidc: Google ID tokens' }),
  SYSTEM_API_KEY: str({ default: '', desc: 'shared service-to-service key (required with AUTH_MODE=api-key)' }),
  OIDC_AUDIENCE: str({ default: '', desc: 'this service URL: the audience incoming ID tokens must carry' }),
  OIDC_ALLOWED_CALLERS: list({ default: [], desc: 'service accounts allowed to call, comma-separated' }),
  API_AUDIENCE: str({ default: '', desc: 'audience of the ID tokens this service sends to the api (default API_URL)' }),
  GCS_BUCKET: str({ default: '', desc: 'bucket a bare key is read from' }),
  GCS_ALLOWED_BUCKETS: list({ default: [], desc: 'buckets that may be read (default: GCS_BUCKET only)' }),
  GCS_API_ENDPOINT: str({ default: '', desc: 'GCS JSON API endpoint; empty for Google Cloud Storage' }),
  GCS_PROJECT_ID: str({ default: '', desc: 'Google Cloud project of the bucket' }),
  MAX_FILE_BYTES: positiveInt({ default: 200 * 1024 * 1024, desc: 'largest object that is downloaded' }),
  DOWNLOAD_IN_MEMORY_MAX_BYTES: nonNegativeInt({
    default: 4 * 1024 * 1024,
    desc: 'an object of at most this many bytes is downloaded into memory, a larger one to a private temporary file; 0 = always a file',
  }),
  BODY_LIMIT_BYTES: positiveInt({ default: 256 * 1024, desc: 'largest request body' }),
  EMBEDDING_WORKERS: num({ default: 0, desc: 'worker threads of the local embedder; 0 = one per core' }),
  LOCAL_MODEL_WARM_UP: bool({
    default: false,
    desc: 'load the local model into its worker threads at start-up (in the background), so the first file does not wait seconds for it; npm start turns it on',
  }),
  OPENAI_API_KEY: str({ default: '', desc: 'key for embedding_provider openai' }),
  OPENAI_BASE_URL: str({ default: 'https://api.openai.com/v1', desc: 'any OpenAI-compatible endpoint' }),
  OPENAI_MAX_IN_FLIGHT: positiveInt({
    default: 4,
    desc: 'embedding requests in flight at once per model, shared by every file being ingested; while all are busy, waiting chunks of several files share the next request',
  }),
  GOOGLE_CLOUD_PROJECT: str({
    default: '',
    desc: 'Google Cloud project: billed for embedding_provider google (Vertex AI; empty: google is not offered), and names log lines’ traces (projects/<id>/traces/<trace id>)',
  }),
  GOOGLE_CLOUD_LOCATION: str({ default: 'us-central1', desc: 'Vertex AI region for embedding_provider google, e.g. europe-west1, or global' }),
  VERTEX_API_ENDPOINT: str({ default: '', desc: "Vertex AI base URL; empty for Google's regional endpoint" }),
  VERTEX_MAX_IN_FLIGHT: positiveInt({ default: 4, desc: 'Vertex AI embedding requests in flight at once per model, shared by every file being ingested' }),
  IN_MEMORY_CHUNKS: positiveInt({
    default: 1000,
    desc: 'chunks of one file held in memory until it is stored; a file with more is written in slices to a staging table of its own and swapped in at the end',
  }),
  PARSE_WORKERS: positiveInt({
    default: DEFAULT_PARSE_POOL.workers,
    desc: 'worker threads that parse documents (every format but plain text and Markdown, which are read as a stream); one started with the service and kept, the others started on demand and stopped after 30 s idle',
  }),
  PARSE_TIMEOUT_MS: positiveInt({
    default: DEFAULT_PARSE_POOL.timeoutMs,
    desc: 'longest a document may take to parse; past it the thread is terminated and replaced, and the file fails naming this limit',
  }),
  PARSE_MEMORY_MB: positiveInt({ default: DEFAULT_PARSE_POOL.memoryMb, desc: 'heap of one parse thread; a document that needs more fails naming this limit' }),
  PARSE_OUTPUT_RATIO: positiveInt({
    default: DEFAULT_PARSE_LIMITS.outputRatio,
    desc: "extracted text may be at most this many times the file's size (any file may give 1,000,000 characters)",
  }),
  PARSE_MAX_TEXT_CHARS: positiveInt({ default: DEFAULT_PARSE_LIMITS.maxTextChars, desc: 'most characters of text one document may give, whatever its size' }),
  PARSE_MAX_PAGES: positiveInt({ default: DEFAULT_PARSE_LIMITS.maxPages, desc: 'most pages of a PDF' }),
  PARSE_MAX_DEPTH: positiveInt({ default: DEFAULT_PARSE_LIMITS.maxDepth, desc: 'deepest nesting of JSON arrays and objects and of HTML elements' }),
  PARSE_MAX_UNZIPPED_MB: positiveInt({
    default: DEFAULT_PARSE_LIMITS.maxUnzippedBytes / (1024 * 1024),
    desc: 'most MB the parts of a DOCX (a ZIP archive) may inflate to, checked in its directory and again while inflating',
  }),
  PARSE_MAX_ZIP_RATIO: positiveInt({
    default: DEFAULT_PARSE_LIMITS.maxZipRatio,
    desc: 'highest compression ratio of a ZIP part larger than 1 MB; above it the DOCX is refused as a zip bomb',
  }),
  PARSE_MAX_LINE_CHARS: positiveInt({ default: DEFAULT_PARSE_LIMITS.maxLineChars, desc: 'longest line of plain text or Markdown, in characters' }),
  PROGRESS_MIN_INTERVAL_MS: num({ default: 1000, desc: 'least time between two progress callbacks' }),
  PROGRESS_HOLD_MS: nonNegativeInt({
    default: 250,
    desc: "how long a progress callback is held before it is sent, a newer one replacing it: a small file's stages are reported by the storing boundary and the final callback alone; 0 = at once",
  }),
  CALLBACK_FINAL_RETRY_MS: num({ default: 60_000, desc: 'how long the final callback is retried' }),
  HEARTBEAT_INTERVAL_MS: num({
    default: 30_000,
    desc: "progress is sent again after this long without a report, during any stage, so the api's STALE_AFTER_MS can be a few minutes; 0 = never",
  }),
  SHUTDOWN_GRACE_MS: num({ default: 25_000, desc: 'time in-flight ingestions get to finish on SIGTERM' }),
  LOG_LEVEL: str({ choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', desc: 'least severe log lines written' }),
  REQUEST_LOGS: bool({ default: false, desc: 'log every request with httpRequest, not only failed ones and ingestion events' }),
};

export type IngestionConfig = ReturnType<typeof loadConfig>;

/** The setting that raises each parse limit, named in the message of a file that broke it. */
export const PARSE_LIMIT_SETTINGS: Record<LimitName, keyof typeof ingestionEnvSpec> = {
  timeoutMs: 'PARSE_TIMEOUT_MS',
  memoryMb: 'PARSE_MEMORY_MB',
  outputRatio: 'PARSE_OUTPUT_RATIO',
  maxTextChars: 'PARSE_MAX_TEXT_CHARS',
  maxPages: 'PARSE_MAX_PAGES',
  maxDepth: 'PARSE_MAX_DEPTH',
  maxUnzippedBytes: 'PARSE_MAX_UNZIPPED_MB',
  maxZipRatio: 'PARSE_MAX_ZIP_RATIO',
  maxLineChars: 'PARSE_MAX_LINE_CHARS',
};

export type ParseConfig = Pick<
  IngestionConfig,
  | 'PARSE_WORKERS'
  | 'PARSE_TIMEOUT_MS'
  | 'PARSE_MEMORY_MB'
  | 'PARSE_OUTPUT_RATIO'
  | 'PARSE_MAX_TEXT_CHARS'
  | 'PARSE_MAX_PAGES'
  | 'PARSE_MAX_DEPTH'
  | 'PARSE_MAX_UNZIPPED_MB'
  | 'PARSE_MAX_ZIP_RATIO'
  | 'PARSE_MAX_LINE_CHARS'
>;

/** Reads and checks the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadServiceConfig(env, ingestionEnvSpec, [
    serviceAuthProblem,
    (config) => (!config.GCS_BUCKET && config.GCS_ALLOWED_BUCKETS.length === 0 ? 'GCS_BUCKET: set it or GCS_ALLOWED_BUCKETS, or no file can be read' : undefined),
    (config) =>
      config.GOOGLE_CLOUD_PROJECT && !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(config.GOOGLE_CLOUD_PROJECT)
        ? `GOOGLE_CLOUD_PROJECT: '${config.GOOGLE_CLOUD_PROJECT}' is not a project id (6 to 30 lowercase letters, digits and hyphens, e.g. my-project-123)`
        : undefined,
    (config) =>
      !/^(global|[a-z]+(-[a-z]+)+[0-9]+)$/.test(config.GOOGLE_CLOUD_LOCATION)
        ? `GOOGLE_CLOUD_LOCATION: '${config.GOOGLE_CLOUD_LOCATION}' is not a Vertex AI region (e.g. us-central1, europe-west1, global)`
        : undefined,
    (config) =>
      config.VERTEX_API_ENDPOINT && !/^https?:\/\/[^/]/.test(config.VERTEX_API_ENDPOINT)
        ? `VERTEX_API_ENDPOINT: '${config.VERTEX_API_ENDPOINT}' is not an http(s) URL`
        : undefined,
  ]);
}
