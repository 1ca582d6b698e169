import { Storage } from '@google-cloud/storage';
import type { Pool } from 'pg';
import { IMPORT_LIST_LIMIT } from '@docingest/contracts';
import { localStorageOptions } from '@docingest/local-gcs';
import { PG_POOL } from '../database/database.module';
import { BUCKET } from '../testing/api-stack';
import { waitUntil, type ReceivedRequest, type Responder } from '@docingest/contracts/testing';
import { describeOnEngines, useApiStack } from '../testing/use-api-stack';

/** The ingestion service as a stand-in: objects named `bad…` fail, the others complete with 2 chunks. */
const ingestNow: Responder = (request: ReceivedRequest, response) => {
  const body = request.body;
  const failed = /\/bad[^/]*$/.test(body.file_path);
  response.writeHead(failed ? 422 : 200, { 'content-type': 'application/json', connection: 'close' });
  response.end(
    JSON.stringify(
      failed
        ? { statusCode: 422, error: 'Unprocessable Entity', message: 'the file is empty', status: 'failed', stage: 'parsing' }
        : {
            status: 'completed',
            file_uuid: body.file_uuid,
            link_id: body.link_id,
            chunks: 2,
            pages: 1,
            pages_skipped: 0,
            timings_ms: { download: 1, parse: 1, chunk: 1, embed: 1, store: 1, callbacks: 0, total: 5 },
          },
    ),
  );
};

describeOnEngines("a knowledge base's imports, listed newest first a page at a time", (engine) => {
  const KB = 'listed';
  const { stack } = useApiStack({ standIn: ingestNow, database: engine, apiEnv: { GCS_ALLOWED_BUCKETS: BUCKET }, knowledgeBases: [KB, 'elsewhere', 'never-imported'] });
  const path = (kb = KB, query = '') => `/api/v1/knowledge-bases/${kb}/imports${query}`;
  const created: string[] = [];

  async function importAndWait(kb: string, gcsUri: string) {
    const started = await stack.request('POST', path(kb), { gcs_uri: gcsUri });
    expect(started.status).toBe(201);
    await waitUntil(`import of ${gcsUri} to end`, async () =>
      ['completed', 'failed'].includes((await stack.request('GET', path(kb, `/${started.body.import_id}`))).body.status),
    );
    return started.body.import_id as string;
  }

  beforeAll(async () => {
    const storage = new Storage(localStorageOptions(stack.gcs.url));
    for (const name of ['list/a/one.txt', 'list/a/two.txt', 'list/a/bad.txt', 'list/b/one.txt', 'list/b/two.txt']) {
      await storage.bucket(BUCKET).file(name).save(`The text of ${name}.`, { resumable: false });
    }
    created.push(await importAndWait(KB, `gs://${BUCKET}/list/a/`));
    created.push(await importAndWait(KB, `gs://${BUCKET}/list/b/`));
    created.push(await importAndWait(KB, `gs://${BUCKET}/list/a/`));
    await importAndWait('elsewhere', `gs://${BUCKET}/list/b/`);
  });

  it('answers every import of the knowledge base, newest first, each as GET .../imports/{id} shows it', async () => {
    const { status, body } = await stack.request('GET', path());
    expect(status).toBe(200);
    expect(body.next_cursor).toBeNull();
    expect(body.items.map((i: any) => i.import_id)).toEqual([...created].reverse());
    for (const item of body.items) expect(item).toEqual((await stack.request('GET', path(KB, `/${item.import_id}`))).body);
    expect(body.items.map((i: any) => [i.gcs_uri, i.status, i.counts])).toEqual([
      // The second import of list/a/: the two completed objects unchanged; the failed one tried again, and failed again.
      [`gs://${BUCKET}/list/a/`, 'completed', { listed: 3, skipped_unchanged: 2, queued: 1, completed: 0, failed: 1 }],
      [`gs://${BUCKET}/list/b/`, 'completed', { listed: 2, skipped_unchanged: 0, queued: 2, completed: 2, failed: 0 }],
      // The first one's failed attempt was superseded by the second's: neither completed nor failed.
      [`gs://${BUCKET}/list/a/`, 'completed', { listed: 3, skipped_unchanged: 0, queued: 3, completed: 2, failed: 0 }],
    ]);
    expect(await stack.request('GET', path('never-imported'))).toEqual({ status: 200, body: { items: [], next_cursor: null } });
  });

  it('shows an import that ended since it was last read as completed, as the single view does', async () => {
    const pool = stack.app.get<Pool>(PG_POOL);
    // As if its last file had completed since anyone looked: settled by the next read, the list included.
    await pool.query(`UPDATE imports SET status = 'running', completed_at = NULL WHERE id = $1`, [created[1]]);
    const { body } = await stack.request('GET', path());
    const item = body.items.find((i: any) => i.import_id === created[1]);
    expect(item).toMatchObject({ status: 'completed', completed_at: expect.any(String) });
    expect((await pool.query(`SELECT status FROM imports WHERE id = $1`, [created[1]])).rows[0].status).toBe('completed');
  });

  it('pages through with limit and next_cursor, every import once, however close their creation times', async () => {
    const pool = stack.app.get<Pool>(PG_POOL);
    // Six imports created within one millisecond, two of them at the very same microsecond:
    // a cursor that kept only milliseconds, or no tie-break, would skip or repeat some.
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO imports (knowledgebase_id, gcs_uri, bucket, prefix, status, created_at)
       SELECT $1, 'gs://docs/close/' || n, 'docs', 'close/' || n || '/', 'failed', timestamptz '2026-01-02 03:04:05.123400+00' + make_interval(secs => (n / 2) * 0.000001)
         FROM generate_series(0, 5) AS n RETURNING id`,
      [KB],
    );
    const all = (await stack.request('GET', path(KB, `?limit=${IMPORT_LIST_LIMIT.max}`))).body.items.map((i: any) => i.import_id);
    expect(all).toHaveLength(created.length + rows.length);
    expect(all.slice(0, created.length)).toEqual([...created].reverse());
    for (const limit of [1, 2, 4]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const answer: any = await stack.request('GET', path(KB, `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
        expect(answer.status).toBe(200);
        expect(answer.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...answer.body.items.map((i: any) => i.import_id));
        cursor = answer.body.next_cursor;
        pages++;
      } while (cursor && pages < 50);
      expect({ limit, seen }).toEqual({ limit, seen: all });
      expect(pages).toBe(Math.ceil(all.length / limit));
    }
    await pool.query(`DELETE FROM imports WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id)]);
  });

  it('reads a page in the same few statements whatever its size (no statement per import)', async () => {
    const pool = stack.app.get<Pool>(PG_POOL);
    const statementsFor = async (query: string) => {
      const original = pool.query;
      let count = 0;
      pool.query = ((...args: unknown[]) => (count++, (original as (...a: unknown[]) => unknown).apply(pool, args))) as typeof pool.query;
      try {
        const answer = await stack.request('GET', path(KB, query));
        expect(answer.status).toBe(200);
        return { items: answer.body.items.length, count };
      } finally {
        pool.query = original;
      }
    };
    const one = await statementsFor('?limit=1');
    const every = await statementsFor('?limit=100');
    expect([one.items, every.items]).toEqual([1, created.length]);
    expect(every.count).toBe(one.count);
  });

  it('refuses bad page parameters with 400 naming the parameter, an unknown knowledge base with 404, no credential with 401', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['?limit=0', 'limit', /^limit must be a whole number from 1 to 100; got '0'$/],
      ['?limit=101', 'limit', /from 1 to 100; got '101'/],
      ['?limit=ten', 'limit', /got 'ten'/],
      ['?limit=2.5', 'limit', /got '2.5'/],
      ['?limit=-1', 'limit', /got '-1'/],
      ['?limit=', 'limit', /got ''/],
      ['?limit=1&limit=2', 'limit', /^limit must be given once/],
      ['?cursor=', 'cursor', /^cursor must be the next_cursor of a previous page/],
      ['?cursor=not-a-cursor', 'cursor', /got 'not-a-cursor'/],
      [`?cursor=${Buffer.from('2026-01-02T03:04:05Z x').toString('base64url')}`, 'cursor', /next_cursor of a previous page/],
      [`?cursor=${Buffer.from('2026-13-45T03:04:05.000000Z 7b0c9f7e-5a7c-4c41-9d69-0b1de4a0f1a1').toString('base64url')}`, 'cursor', /next_cursor/],
      ['?page=2', 'page', /^unknown query parameter 'page': a page of imports takes limit and cursor$/],
      ['?offset=20', 'offset', /unknown query parameter 'offset'/],
    ];
    for (const [query, field, message] of cases) {
      const { status, body } = await stack.request('GET', path(KB, query));
      expect({ query, status, code: body.code, field: body.field }).toEqual({ query, status: 400, code: 'invalid_request', field });
      expect(body.message).toMatch(message);
    }
    expect(await stack.request('GET', path('no-such-kb'))).toMatchObject({ status: 404, body: { code: 'unknown_knowledge_base' } });
    expect((await stack.request('GET', path(), undefined, null)).status).toBe(401);
  });

  it('describes the list, its parameters and its answer in the OpenAPI document', async () => {
    const { body } = await stack.request('GET', '/api/docs-json');
    const get = body.paths['/api/v1/knowledge-bases/{kb}/imports'].get;
    expect(get.parameters.map((p: any) => `${p.in}:${p.name}`).sort()).toEqual(['path:kb', 'query:cursor', 'query:limit']);
    expect(Object.keys(get.responses['200'].content['application/json'].schema.properties).sort()).toEqual(['items', 'next_cursor']);
  });
});
