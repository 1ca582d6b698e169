import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { Storage } from '@google-cloud/storage';
import { localStorageOptions } from '@docingest/local-gcs';
import { waitUntil } from '@docingest/contracts/testing';
import { BUCKET } from '../testing/api-stack';
import { useApiStack } from '../testing/use-api-stack';
import { IMPORTS_QUEUE, RESUME_STALLED_IMPORTS_JOB, listImportPageJobId } from './import-job';
import { ImportPagesProcessor } from './import-pages.processor';

const PAGE_SIZE = 3;
const OBJECTS = 8; // three pages: 3, 3, 2
const SWEEP_INTERVAL_MS = 400;
const KB = 'stalled';

/**
 * The state an api killed inside `POST .../imports` leaves: the import recorded `listing` with its
 * first page registered and its next page token saved, and no job to read that page. The sweep
 * queues that page again, once, and the import ends with every object registered once.
 */
describe('an import left listing with no page job', () => {
  const { stack } = useApiStack({
    knowledgeBases: [KB],
    apiEnv: { IMPORT_LIST_PAGE_SIZE: String(PAGE_SIZE), GCS_ALLOWED_BUCKETS: BUCKET, SWEEP_INTERVAL_MS: String(SWEEP_INTERVAL_MS) },
  });
  const names = Array.from({ length: OBJECTS }, (_, i) => `cut/${String(i).padStart(2, '0')}.txt`);
  const listedTokens: string[] = [];
  let queue: Queue;

  beforeAll(async () => {
    const storage = new Storage(localStorageOptions(stack.gcs.url));
    await Promise.all(names.map((name, i) => storage.bucket(BUCKET).file(name).save(`Note ${i}: the west sluice ${i} was cleared.`, { resumable: false })));
    stack.gcs.server.on('request', (req) => {
      const url = new URL(req.url ?? '/', 'http://gcs');
      if (req.method === 'GET' && url.pathname === `/storage/v1/b/${BUCKET}/o`) listedTokens.push(url.searchParams.get('pageToken') ?? '');
    });
    queue = stack.app.get(getQueueToken(IMPORTS_QUEUE));
  });

  const path = (id = '') => `/api/v1/knowledge-bases/${KB}/imports${id ? `/${id}` : ''}`;
  const pageJobs = async (importId: string) =>
    (await queue.getJobs(['waiting', 'active', 'delayed', 'paused'])).filter((job) => job?.name !== RESUME_STALLED_IMPORTS_JOB && job?.data.importId === importId);

  it('schedules the sweep on the imports queue at SWEEP_INTERVAL_MS', async () => {
    const sweeps = (await queue.getRepeatableJobs()).filter((job) => job.name === RESUME_STALLED_IMPORTS_JOB);
    expect(sweeps).toEqual([expect.objectContaining({ every: SWEEP_INTERVAL_MS })]);
  });

  it('queues the saved page once, however many sweeps, and the import finishes with each object registered once', async () => {
    const sweep = () => stack.app.get(ImportPagesProcessor).resumeStalled();
    // This api takes no job meanwhile: the page job the POST queues is taken away, as if the api had died before queueing it.
    await queue.pause(true);
    let id: string;
    try {
      const started = await stack.request('POST', path(), { gcs_uri: `gs://${BUCKET}/cut/` });
      expect(started.body).toMatchObject({ status: 'listing', pages_listed: 1, counts: { listed: PAGE_SIZE, queued: PAGE_SIZE } });
      id = started.body.import_id;
      const [lost] = await pageJobs(id);
      expect(lost.id).toBe(listImportPageJobId({ importId: id, page: 1 }));
      await lost.remove();
      const saved = (await stack.pool.query(`SELECT next_page_token FROM imports WHERE id = $1`, [id])).rows[0].next_page_token;
      expect(saved).toEqual(expect.any(String));

      // Fresh: a request may still be registering its first page, so the sweep leaves it alone.
      expect((await sweep()).queued).not.toContain(id);
      expect(await pageJobs(id)).toHaveLength(0);

      // No progress for longer than STALE_AFTER_MS (default five minutes).
      await stack.pool.query(`UPDATE imports SET progress_at = now() - interval '1 hour' WHERE id = $1`, [id]);
      expect((await sweep()).queued).toContain(id);
      // Its job is there now: a second sweep (or another api's) queues nothing more.
      expect((await sweep()).queued).not.toContain(id);
      const queued = await pageJobs(id);
      expect(queued.map((job) => [job.id, job.data])).toEqual([[listImportPageJobId({ importId: id, page: 1 }), { importId: id, page: 1, pageToken: saved }]]);
      listedTokens.length = 0;
    } finally {
      await queue.resume(true);
    }

    const done = await waitUntil(
      'the import to end',
      async () => {
        const { body } = await stack.request('GET', path(id));
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      120_000,
    );
    expect(done).toMatchObject({
      status: 'completed',
      pages_listed: Math.ceil(OBJECTS / PAGE_SIZE),
      error: null,
      counts: { listed: OBJECTS, skipped_unchanged: 0, queued: OBJECTS, completed: OBJECTS, failed: 0 },
    });
    // Went on from the saved token: the first page was not listed again, each later page once.
    expect(listedTokens).not.toContain('');
    expect(listedTokens).toHaveLength(Math.ceil(OBJECTS / PAGE_SIZE) - 1);
    const files = await stack.pool.query(`SELECT storage_path, count(*)::int AS n FROM files WHERE storage_path LIKE $1 GROUP BY storage_path ORDER BY storage_path`, [
      `gs://${BUCKET}/cut/%`,
    ]);
    expect(files.rows).toEqual(names.map((name) => ({ storage_path: `gs://${BUCKET}/${name}`, n: 1 })));
    const attempts = await stack.pool.query(
      `SELECT l.attempt FROM import_items i JOIN file_knowledge_base_links l ON l.id = i.link_id WHERE i.import_id = $1 ORDER BY i.object_name`,
      [id!],
    );
    expect(attempts.rows).toEqual(names.map(() => ({ attempt: 1 })));
  });

  it('lists from the start an import cut before its first page was recorded, on the schedule alone', async () => {
    // The row as the POST leaves it when killed right after creating it.
    const { rows } = await stack.pool.query(
      `INSERT INTO imports (knowledgebase_id, gcs_uri, bucket, prefix, progress_at) VALUES ($1, $2, $3, 'cut/', now() - interval '1 hour') RETURNING id`,
      [KB, `gs://${BUCKET}/cut/`, BUCKET],
    );
    const done = await waitUntil(
      'the sweep to resume the import and the import to end',
      async () => {
        const { body } = await stack.request('GET', path(rows[0].id));
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      120_000,
    );
    // The same objects, unchanged and completed by the import before: all skipped, none queued again.
    expect(done).toMatchObject({ status: 'completed', pages_listed: Math.ceil(OBJECTS / PAGE_SIZE), counts: { listed: OBJECTS, skipped_unchanged: OBJECTS, queued: 0 } });
  });
});
