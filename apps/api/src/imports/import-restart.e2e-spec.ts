import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Storage } from '@google-cloud/storage';
import { Pool } from 'pg';
import { startLoopbackServer, waitUntil, type LoopbackServer } from '@docingest/contracts/testing';
import { localStorageOptions, startLocalGcs, type LocalGcs } from '@docingest/local-gcs';
import { startLocalPostgres, type LocalPostgres } from '@docingest/local-postgres';
import { freePort, startRedisServer, type RedisServerHandle } from '@docingest/local-redis';
import { ADMIN_KEY, BUCKET, SYSTEM_KEY, startIngestionProcess } from '../testing/api-stack';
import { startApiProcess, type ApiProcess } from '../testing/api-process';

const PAGE_SIZE = 3;
const OBJECTS = 14; // five listing pages: 3, 3, 3, 3, 2
const KB = 'restarted';
const PREFIX = 'restart/';

/**
 * Stands between the api and the GCS server: passes every request on, and while `holding`, keeps
 * a listing request for a later page (one with a page token) unanswered, as a slow listing would.
 */
class ListingGate {
  target = '';
  holding = false;
  /** The page token of each listing request that came, in order ('' for the first page). */
  readonly listed: string[] = [];
  readonly held: ServerResponse[] = [];
  private server!: LoopbackServer;

  get url() {
    return this.server.url;
  }

  async start() {
    this.server = await startLoopbackServer((req, res) => this.pass(req, res));
    return this;
  }

  private pass(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://gate');
    if (req.method === 'GET' && url.pathname === `/storage/v1/b/${BUCKET}/o`) {
      const token = url.searchParams.get('pageToken') ?? '';
      this.listed.push(token);
      if (this.holding && token) return void this.held.push(res);
    }
    const target = new URL(req.url ?? '/', this.target);
    const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => res.destroy(error));
    req.pipe(upstream);
  }

  close() {
    return this.server.close();
  }
}

/**
 * An import whose api dies (SIGKILL) in the middle of the listing, its next page being read,
 * and a new api on the same database and Redis (so the same queue prefix) that goes on from the
 * saved page token: every object registered and ingested exactly once, and the counts right.
 */
describe('an import resumes after the api is killed mid-listing', () => {
  let postgres: LocalPostgres;
  let gcs: LocalGcs;
  let redis: RedisServerHandle;
  let gate: ListingGate;
  let ingestion: Awaited<ReturnType<typeof startIngestionProcess>>;
  let pool: Pool;
  let api: ApiProcess | undefined;
  let apiPort: number;
  let apiEnv: Record<string, string>;

  beforeAll(async () => {
    postgres = await startLocalPostgres({});
    gcs = await startLocalGcs({ buckets: [BUCKET] });
    redis = await startRedisServer();
    gate = await new ListingGate().start();
    gate.target = gcs.url;
    apiPort = await freePort();
    // The ingestion service reads the bucket directly; only the api's listing goes through the gate.
    ingestion = await startIngestionProcess({
      DATABASE_URL: postgres.url,
      API_URL: `http://127.0.0.1:${apiPort}`,
      SYSTEM_API_KEY: SYSTEM_KEY,
      GCS_BUCKET: BUCKET,
      GCS_API_ENDPOINT: gcs.url,
      GCS_PROJECT_ID: 'local',
      PROGRESS_MIN_INTERVAL_MS: '0',
      PROGRESS_HOLD_MS: '0',
    });
    apiEnv = {
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      INGESTION_SERVICE_URL: ingestion.url,
      SYSTEM_API_KEY: SYSTEM_KEY,
      ADMIN_API_KEY: ADMIN_KEY,
      GCS_BUCKET: BUCKET,
      GCS_API_ENDPOINT: gate.url,
      GCS_PROJECT_ID: 'local',
      IMPORT_LIST_PAGE_SIZE: String(PAGE_SIZE),
    };
    pool = new Pool({ connectionString: postgres.url, max: 2 });
    const storage = new Storage(localStorageOptions(gcs.url));
    for (let i = 0; i < OBJECTS; i++) {
      await storage
        .bucket(BUCKET)
        .file(`${PREFIX}${String(i).padStart(2, '0')}.txt`)
        .save(`Report ${i}: the north pump ${i} was inspected and its seal ${i * 3} replaced.`, { resumable: false });
    }
  }, 180_000);

  afterAll(async () => {
    for (const held of gate?.held ?? []) held.destroy();
    await api?.kill();
    await pool?.end();
    await ingestion?.stop();
    await gate?.close();
    await redis?.stop();
    await gcs?.stop();
    await postgres?.stop();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${apiPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('goes on from the page being listed: every object registered once and ingested, the counts right, no page listed from the start again', async () => {
    api = await startApiProcess(apiPort, apiEnv);
    const kb = await call('POST', '/api/v1/knowledge-bases', {
      knowledgebase_id: KB,
      name: KB,
      embedding_provider: 'local',
      embedding_model: 'universal-sentence-encoder-lite',
      chunk_size: 64,
      chunk_overlap: 8,
    });
    expect(kb.status).toBe(201);

    gate.holding = true;
    const started = await call('POST', `/api/v1/knowledge-bases/${KB}/imports`, { gcs_uri: `gs://${BUCKET}/${PREFIX}` });
    expect(started.status).toBe(201);
    // The first page is registered and queued before the answer; the second is being read.
    expect(started.body).toMatchObject({ status: 'listing', pages_listed: 1, counts: { listed: PAGE_SIZE, queued: PAGE_SIZE } });
    const id = started.body.import_id;
    await waitUntil('the second page to be asked for', async () => gate.held.length > 0, 30_000);
    // The first page's files are let finish first: a kill in the middle of an ingestion is the
    // fault suite's (api-down-callbacks); here the listing alone is cut.
    await waitUntil(
      "the first page's files to be ingested",
      async () => (await call('GET', `/api/v1/knowledge-bases/${KB}/imports/${id}`)).body.counts.completed === PAGE_SIZE,
      120_000,
      500,
    );
    expect(gate.held).toHaveLength(1);

    await api.kill();
    for (const held of gate.held.splice(0)) held.destroy();
    gate.holding = false;
    const beforeRestart = (await pool.query(`SELECT status, pages_listed, next_page_token FROM imports WHERE id = $1`, [id])).rows[0];
    expect(beforeRestart).toMatchObject({ status: 'listing', pages_listed: 1, next_page_token: expect.any(String) });
    const listedBefore = gate.listed.length;

    api = await startApiProcess(apiPort, apiEnv);
    const done = await waitUntil(
      'the import to end on the new api',
      async () => {
        const { body } = await call('GET', `/api/v1/knowledge-bases/${KB}/imports/${id}`);
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      240_000,
      500,
    ).catch(async (error) => {
      const { body } = await call('GET', `/api/v1/knowledge-bases/${KB}/imports/${id}`);
      const links = await pool.query(`SELECT id, ingestion_status, attempt, ingestion_error FROM file_knowledge_base_links ORDER BY id`);
      const state = { import: body, links: links.rows, listed: gate.listed, api: api!.output.slice(-15) };
      throw new Error(`${(error as Error).message}\n${JSON.stringify(state, null, 1)}`);
    });
    expect(done).toMatchObject({
      status: 'completed',
      pages_listed: Math.ceil(OBJECTS / PAGE_SIZE),
      error: null,
      counts: { listed: OBJECTS, skipped_unchanged: 0, queued: OBJECTS, completed: OBJECTS, failed: 0 },
    });

    // The new api went on from the saved token: never the first page again, each later page once.
    const after = gate.listed.slice(listedBefore);
    expect(after).not.toContain('');
    expect(after[0]).toBe(beforeRestart.next_page_token);
    expect(new Set(after).size).toBe(after.length);
    expect(after).toHaveLength(Math.ceil(OBJECTS / PAGE_SIZE) - 1);

    const names = Array.from({ length: OBJECTS }, (_, i) => `${PREFIX}${String(i).padStart(2, '0')}.txt`);
    const files = await pool.query<{ storage_path: string; n: number }>(
      `SELECT storage_path, count(*)::int AS n FROM files WHERE storage_path LIKE $1 GROUP BY storage_path ORDER BY storage_path`,
      [`gs://${BUCKET}/${PREFIX}%`],
    );
    expect(files.rows).toEqual(names.map((name) => ({ storage_path: `gs://${BUCKET}/${name}`, n: 1 })));
    const items = await pool.query<{ object_name: string }>(`SELECT object_name FROM import_items WHERE import_id = $1 ORDER BY object_name`, [id]);
    expect(items.rows.map((r) => r.object_name)).toEqual(names);

    const { body: results } = await call('GET', `/api/v1/knowledge-bases/${KB}/imports/${id}/results`);
    expect(results.results.map((r: any) => [r.object, r.status])).toEqual(names.map((name) => [`gs://${BUCKET}/${name}`, 'completed']));
    const table = `ai.data_kb_${KB}`;
    for (const result of results.results) {
      const link = await pool.query(`SELECT attempt, chunk_count FROM file_knowledge_base_links WHERE file_uuid = $1 AND knowledgebase_id = $2`, [result.file_uuid, KB]);
      // One attempt each: nothing was queued twice by the page read again.
      expect({ object: result.object, ...link.rows[0] }).toEqual({ object: result.object, attempt: 1, chunk_count: result.chunks });
      const stored = await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE metadata_->>'file_uuid' = $1`, [result.file_uuid]);
      expect({ object: result.object, rows: stored.rows[0].n }).toEqual({ object: result.object, rows: result.chunks });
    }
  }, 420_000);
});
