import { hang } from '@docingest/contracts/testing';
import type { Pool } from 'pg';
import { ADMIN_KEY, BUCKET } from '../testing/api-stack';
import { useApiStack } from '../testing/use-api-stack';
import { PG_POOL } from '../database/database.module';
import { ImportsRepository } from './imports.repository';
import { RESULTS_BATCH } from './imports.service';

const OBJECTS = Math.round(RESULTS_BATCH * 2.5);
const KB = 'many';
const name = (i: number) => `big/${String(i).padStart(6, '0')}.txt`;

/**
 * The results of an import of a few thousand objects (its rows written straight into the
 * database, as many pages of listing would leave them): whole, they are read a bounded batch per
 * statement and written as they are read; paged, each page is one statement; either way every
 * object once, by name.
 */
describe('the results of a large import', () => {
  const { stack } = useApiStack({ standIn: hang, knowledgeBases: [KB] });
  let importId: string;
  let statements: Array<{ sql: string; params: unknown[] }>;
  let spy: jest.SpyInstance;
  const expected = Array.from({ length: OBJECTS }, (_, i) => ({
    object: `gs://${BUCKET}/${name(i)}`,
    status: i % 2 ? 'skipped_unchanged' : 'completed',
    chunks: i % 7,
  }));

  beforeAll(async () => {
    const { rows } = await stack.pool.query(
      `INSERT INTO imports (knowledgebase_id, gcs_uri, bucket, prefix, status) VALUES ($1, $2, $3, 'big/', 'running') RETURNING id`,
      [KB, `gs://${BUCKET}/big/`, BUCKET],
    );
    importId = rows[0].id;
    // Written out of order: the results come by name whatever order the pages were taken in.
    await stack.pool.query(
      `WITH n AS (SELECT i FROM generate_series(0, $1::int - 1) AS i ORDER BY random()),
            f AS (INSERT INTO files (uuid, title, storage_path, size, source_generation)
                  SELECT gen_random_uuid(), 'f' || i, 'gs://${BUCKET}/big/' || lpad(i::text, 6, '0') || '.txt', 10, '1' FROM n RETURNING uuid, title),
            l AS (INSERT INTO file_knowledge_base_links (file_uuid, knowledgebase_id, ingestion_status, attempt, chunk_count)
                  SELECT uuid, $2, 'completed', 1, substr(title, 2)::int % 7 FROM f RETURNING id, file_uuid)
       INSERT INTO import_items (import_id, object_name, generation, file_uuid, link_id, attempt, outcome)
       SELECT $3, 'big/' || lpad(substr(f.title, 2), 6, '0') || '.txt', '1', f.uuid, l.id,
              CASE WHEN substr(f.title, 2)::int % 2 = 1 THEN NULL ELSE 1 END,
              CASE WHEN substr(f.title, 2)::int % 2 = 1 THEN 'skipped_unchanged' ELSE 'queued' END
         FROM f JOIN l ON l.file_uuid = f.uuid`,
      [OBJECTS, KB, importId],
    );
    expect((await stack.pool.query(`SELECT count(*)::int AS n FROM import_items WHERE import_id = $1`, [importId])).rows[0].n).toBe(OBJECTS);
  });

  beforeEach(() => {
    statements = [];
    const pool = stack.app.get<Pool>(PG_POOL);
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    spy = jest.spyOn(pool, 'query').mockImplementation(((sql: unknown, params: unknown[]) => {
      if (typeof sql === 'string' && sql.includes('FROM import_items i LEFT JOIN') && sql.includes('ORDER BY i.object_name')) statements.push({ sql, params });
      return query(sql, params);
    }) as never);
  });
  afterEach(() => spy.mockRestore());

  const path = (query = '') => `/api/v1/knowledge-bases/${KB}/imports/${importId}/results${query}`;
  const get = (query = '', accept = 'application/json') => fetch(`${stack.apiUrl}${path(query)}`, { headers: { authorization: `Bearer ${ADMIN_KEY}`, accept } });
  const shown = (results: any[]) => results.map((r) => ({ object: r.object, status: r.status, chunks: r.chunks }));
  const limits = () => statements.map((s) => s.params[2]);

  it('writes the whole JSON as it reads it, a batch of RESULTS_BATCH per statement, every object once and by name', async () => {
    const answer = await get();
    expect(answer.status).toBe(200);
    // Written as read: no length known up front.
    expect(answer.headers.get('transfer-encoding')).toBe('chunked');
    expect(answer.headers.get('content-length')).toBeNull();
    const body = (await answer.json()) as any;
    expect(body).toMatchObject({ import_id: importId, status: 'completed', next_cursor: null });
    expect(shown(body.results)).toEqual(expected);
    expect(new Set(body.results.map((r: any) => r.file_uuid)).size).toBe(OBJECTS);
    expect(limits()).toEqual(Array(Math.ceil(OBJECTS / RESULTS_BATCH)).fill(RESULTS_BATCH));
  });

  it('writes the whole CSV the same way', async () => {
    const answer = await get('', 'text/csv');
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(answer.headers.get('transfer-encoding')).toBe('chunked');
    const lines = (await answer.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('object,status,chunks,error');
    expect(lines.slice(1)).toEqual(expected.map((r) => `${r.object},${r.status},${r.chunks},`));
    expect(limits()).toEqual(Array(Math.ceil(OBJECTS / RESULTS_BATCH)).fill(RESULTS_BATCH));
  });

  it('pages the JSON by ?limit=&cursor=, one statement a page, every object once and by name', async () => {
    const limit = 700;
    const all: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer = await get(`?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(answer.status).toBe(200);
      const page = (await answer.json()) as any;
      expect(page.results.length).toBeLessThanOrEqual(limit);
      all.push(...page.results);
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(OBJECTS / limit));
    expect(shown(all)).toEqual(expected);
    expect(limits()).toEqual(Array(pages).fill(limit + 1));
  });

  it('cuts the response short, never ending a shorter list, when a later batch cannot be read', async () => {
    const repository = stack.app.get(ImportsRepository);
    const read = repository.resultsAfter.bind(repository);
    let batches = 0;
    const cut = jest.spyOn(repository, 'resultsAfter').mockImplementation(async (...args) => {
      if (++batches === 2) throw new Error('Connection terminated unexpectedly');
      return read(...args);
    });
    try {
      const answer = await get();
      expect(answer.status).toBe(200);
      await expect(answer.text()).rejects.toThrow();
    } finally {
      cut.mockRestore();
    }
    expect(batches).toBe(2);
  });

  it('refuses a bad page with a 400 naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['?limit=0', 'limit'],
      ['?limit=99999', 'limit'],
      ['?limit=ten', 'limit'],
      ['?cursor=not%20a%20cursor', 'cursor'],
      ['?cursor=', 'cursor'],
      ['?format=csv&limit=10', 'limit'],
      ['?format=xml', 'format'],
      ['?limit=1&limit=2', 'limit'],
      ['?offset=10', 'offset'],
    ];
    for (const [query, field] of cases) {
      const answer = await get(query);
      const body = (await answer.json()) as any;
      expect({ query, status: answer.status, field: body.field, code: body.code }).toEqual({ query, status: 400, field, code: 'invalid_request' });
      expect(body.message).toContain(field);
    }
    expect(await (await get('?limit=1')).json()).toMatchObject({ results: [{ object: expected[0].object }], next_cursor: expect.any(String) });
    const unknown = await fetch(`${stack.apiUrl}/api/v1/knowledge-bases/${KB}/imports/7b0c9f7e-5a7c-4c41-9d69-0b1de4a0f1a1/results?limit=5`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(unknown.status).toBe(404);
  });
});
