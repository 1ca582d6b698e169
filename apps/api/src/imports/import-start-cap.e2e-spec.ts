import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { Storage } from '@google-cloud/storage';
import { localStorageOptions } from '@docingest/local-gcs';
import { waitUntil } from '@docingest/contracts/testing';
import { BUCKET } from '../testing/api-stack';
import { useApiStack } from '../testing/use-api-stack';
import { IMPORTS_QUEUE } from './import-job';
import { START_LISTING_PAGES } from './imports.service';

const PAGE_SIZE = 4;
const SKIPPED = 30; // eight pages of objects the globs leave out, then the ones they keep
const KB = 'capped';

/**
 * A prefix whose first kept object lies many listing pages in: the POST reads at most
 * START_LISTING_PAGES of them and answers `listing`; the imports queue lists the rest.
 */
describe('starting an import whose kept objects lie past the pages the request lists', () => {
  const { stack } = useApiStack({ knowledgeBases: [KB], apiEnv: { IMPORT_LIST_PAGE_SIZE: String(PAGE_SIZE), GCS_ALLOWED_BUCKETS: BUCKET } });
  const listed: string[] = [];
  let queue: Queue;

  beforeAll(async () => {
    const storage = new Storage(localStorageOptions(stack.gcs.url));
    const names = [
      ...Array.from({ length: SKIPPED }, (_, i) => `deep/a-${String(i).padStart(2, '0')}.tmp`),
      'deep/z-1.txt',
      'deep/z-2.txt',
      'small/a.tmp',
      'small/b.tmp',
    ];
    await Promise.all(names.map((name, i) => storage.bucket(BUCKET).file(name).save(`Log ${i}: the east gate ${i} was oiled.`, { resumable: false })));
    stack.gcs.server.on('request', (req) => {
      if (req.method === 'GET' && new RegExp(`^/storage/v1/b/${BUCKET}/o(\\?|$)`).test(req.url ?? '')) listed.push(req.url!);
    });
    queue = stack.app.get(getQueueToken(IMPORTS_QUEUE));
  });

  const path = (id = '') => `/api/v1/knowledge-bases/${KB}/imports${id ? `/${id}` : ''}`;
  const ended = (id: string) =>
    waitUntil(
      `import ${id} to end`,
      async () => {
        const { body } = await stack.request('GET', path(id));
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      120_000,
    );
  const pages = Math.ceil((SKIPPED + 2) / PAGE_SIZE);

  /** The POST with this api's page jobs held, so every listing call counted is the request's own. */
  async function startHeld(body: unknown) {
    await queue.pause(true);
    try {
      listed.length = 0;
      const answer = await stack.request('POST', path(), body);
      return { answer, calls: listed.length };
    } finally {
      await queue.resume(true);
    }
  }

  it('answers after START_LISTING_PAGES listing calls, listing, and the queue goes on to import the kept objects', async () => {
    expect(pages).toBeGreaterThan(START_LISTING_PAGES + 1);
    const { answer, calls } = await startHeld({ gcs_uri: `gs://${BUCKET}/deep/`, include: ['*.txt'] });
    expect(answer.status).toBe(201);
    expect(calls).toBe(START_LISTING_PAGES);
    expect(answer.body).toMatchObject({ status: 'listing', pages_listed: START_LISTING_PAGES, counts: { listed: 0, queued: 0 }, error: null });

    const done = await ended(answer.body.import_id);
    expect(done).toMatchObject({
      status: 'completed',
      pages_listed: pages,
      error: null,
      counts: { listed: 2, skipped_unchanged: 0, queued: 2, completed: 2, failed: 0 },
    });
    // Each page once: the queue went on from the saved token, not from the start.
    expect(listed).toHaveLength(pages);
    expect(new Set(listed).size).toBe(pages);
    const { body } = await stack.request('GET', `${path(answer.body.import_id)}/results`);
    expect(body.results.map((r: any) => [r.object, r.status])).toEqual([
      [`gs://${BUCKET}/deep/z-1.txt`, 'completed'],
      [`gs://${BUCKET}/deep/z-2.txt`, 'completed'],
    ]);
  });

  it('fails the import, saying the globs kept nothing, when no page past those the request read holds a kept object', async () => {
    const { answer, calls } = await startHeld({ gcs_uri: `gs://${BUCKET}/deep/`, include: ['**/*.pdf'] });
    expect(answer.status).toBe(201);
    expect(calls).toBe(START_LISTING_PAGES);
    const done = await ended(answer.body.import_id);
    expect(done).toMatchObject({
      status: 'failed',
      pages_listed: pages,
      error: `none of the objects under gs://${BUCKET}/deep/ matches the include and exclude globs`,
      counts: { listed: 0, queued: 0 },
      completed_at: expect.any(String),
    });
  });

  it('still refuses at once (404, no import) a prefix whose every page the request read keeps nothing', async () => {
    const before = (await stack.pool.query(`SELECT count(*)::int AS n FROM imports`)).rows[0].n;
    const { answer, calls } = await startHeld({ gcs_uri: `gs://${BUCKET}/small/`, include: ['*.pdf'] });
    expect(answer).toMatchObject({ status: 404, body: { code: 'empty_prefix', field: 'include' } });
    expect(answer.body.message).toBe(`none of the 2 objects under gs://${BUCKET}/small/ matches the include and exclude globs`);
    expect(calls).toBe(1);
    expect((await stack.pool.query(`SELECT count(*)::int AS n FROM imports`)).rows[0].n).toBe(before);
  });
});
