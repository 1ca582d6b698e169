import { randomUUID } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { localStorageOptions } from '@docingest/local-gcs';
import { ingestFileRequest } from '@docingest/contracts/testing';
import { proseText } from './support/documents';
import { faultTest } from './support/fault-matrix';
import { ADMIN_KEY, BUCKET, LOCAL_MODEL, SYSTEM_KEY, startFaultSystem, type FaultSystem } from './support/fault-system';
import { httpJson, type JsonResponse } from './support/http-json';

const KB = 'guarded';

interface Route {
  method: string;
  path: string;
  /** Who may call it: the admin credential, or the service-to-service one. */
  kind: 'admin' | 'system';
  body?: () => unknown;
}

describe('abuse: no one gets in, nothing bad gets stored', () => {
  let stack: FaultSystem;
  let storage: Storage;
  let fileUuid: string;
  let linkId: number;
  let objectKey: string;

  /** Everything a refused request could have changed. */
  async function snapshot() {
    const [objects] = await storage.bucket(BUCKET).getFiles();
    const counts = await stack.queue().getJobCounts();
    return {
      rows: await stack.rowCounts(),
      link: await stack.storedLink(linkId),
      objects: objects.map((o) => o.name).sort(),
      queue: { ...counts, queuePaused: await stack.queue().isPaused() },
    };
  }

  /** A well-formed /ingest-file body for the guarded file: what each bad request changes one thing of. */
  const ingestRequest = () =>
    ingestFileRequest({
      file_path: `gs://${BUCKET}/${objectKey}`,
      vector_table_name: 'kb_guarded',
      file_uuid: fileUuid,
      link_id: linkId,
      embedding_provider: 'local',
      embedding_model: LOCAL_MODEL,
      knowledgebase_id: KB,
    });

  beforeAll(async () => {
    stack = await startFaultSystem({ name: 'abuse', recordCallbacks: true });
    storage = new Storage(localStorageOptions(stack.system.gcsEndpoint!));
    await stack.createKnowledgeBase(KB);
    const uploaded = await stack.upload('guarded.txt', proseText(10, 77), { knowledgebase_id: KB, auto_ingest: 'true' });
    fileUuid = uploaded.uuid;
    linkId = uploaded.ingestion!.link_id;
    const link = await stack.waitForFinal(fileUuid, KB, 120_000);
    if (link.ingestion_status !== 'completed') throw new Error(`baseline ingestion ${link.ingestion_status}: ${link.ingestion_error}`);
    const [objects] = await storage.bucket(BUCKET).getFiles();
    objectKey = objects.find((o) => o.name.includes(fileUuid))!.name;
  });
  afterAll(() => stack?.stop());

  faultTest(
    'every api and ingestion route without credentials, with wrong keys, and with the other kind of credential',
    '401 for a missing or wrong credential, 403 for the wrong kind (admin key on the service callback, system key on admin routes); no row, object, link or job changed',
    async (observe) => {
      const apiRoutes: Route[] = [
        { method: 'GET', path: '/api/v1/knowledge-bases', kind: 'admin' },
        {
          method: 'POST',
          path: '/api/v1/knowledge-bases',
          kind: 'admin',
          body: () => ({ knowledgebase_id: 'intruder', name: 'x', embedding_provider: 'local', embedding_model: LOCAL_MODEL, chunk_size: 64, chunk_overlap: 8 }),
        },
        { method: 'GET', path: `/api/v1/knowledge-bases/${KB}`, kind: 'admin' },
        { method: 'GET', path: `/api/v1/knowledge-bases/${KB}/files`, kind: 'admin' },
        { method: 'DELETE', path: `/api/v1/knowledge-bases/${KB}/files/${fileUuid}`, kind: 'admin' },
        { method: 'POST', path: `/api/v1/knowledge-bases/${KB}/search`, kind: 'admin', body: () => ({ query: 'pumps' }) },
        {
          method: 'POST',
          path: '/api/v1/files',
          kind: 'admin',
          body: () => {
            const form = new FormData();
            form.append('knowledgebase_id', KB);
            form.append('auto_ingest', 'true');
            form.append('file', new Blob(['intruder upload']), 'intruder.txt');
            return form;
          },
        },
        { method: 'POST', path: '/api/v1/files/ingest-selected', kind: 'admin', body: () => ({ file_uuids: [fileUuid], knowledgebase_id: KB, force: true }) },
        { method: 'POST', path: `/api/v1/files/${fileUuid}/reingest`, kind: 'admin', body: () => ({ knowledgebase_id: KB, force: true }) },
        { method: 'GET', path: `/api/v1/files/${fileUuid}/progress`, kind: 'admin' },
        { method: 'GET', path: `/api/v1/ingestions/${linkId}`, kind: 'admin' },
        { method: 'GET', path: '/admin/queues/api/queues', kind: 'admin' },
        { method: 'PUT', path: '/admin/queues/api/queues/ingestion/pause', kind: 'admin' },
        { method: 'PUT', path: '/admin/queues/api/queues/ingestion/clean/completed', kind: 'admin' },
        {
          method: 'POST',
          path: `/api/v1/files/${fileUuid}/update-progress`,
          kind: 'system',
          body: () => ({ progress: 5, processed_docs: 0, total_docs: 0, link_id: linkId, status: 'failed', error: 'forged', attempt: 1 }),
        },
      ];
      const ingestionRoutes: Route[] = [
        {
          method: 'POST',
          path: '/ingest-file',
          kind: 'system',
          body: ingestRequest,
        },
        { method: 'POST', path: '/delete-vectors', kind: 'system', body: () => ({ vector_table_name: 'kb_guarded', file_uuid: fileUuid, knowledgebase_id: KB }) },
        {
          method: 'POST',
          path: '/search',
          kind: 'system',
          body: () => ({ query: 'pumps', vector_table_name: 'kb_guarded', embedding_provider: 'local', embedding_model: LOCAL_MODEL }),
        },
        { method: 'GET', path: '/openapi.json', kind: 'system' },
      ];
      const wrong: Array<[string, string | null, Record<string, string>?]> = [
        ['no credentials', null],
        ['a wrong admin key', 'Bearer not-the-admin-key-at-all'],
        ['the admin key plus one character', `Bearer ${ADMIN_KEY}x`],
        ['a wrong system key', 'Api-Key not-the-system-key'],
        ['the admin key under the system scheme', `Api-Key ${ADMIN_KEY}`],
        ['the system key under the admin scheme', `Bearer ${SYSTEM_KEY}`],
        ['basic auth', `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`],
        ['a garbled header', 'Bearer'],
        ['a forged admin session cookie', null, { cookie: `docingest_admin=${Date.now() + 3_600_000}.Zm9yZ2VkLXNpZ25hdHVyZQ` }],
      ];
      const before = await snapshot();
      const refusals: string[] = [];
      const send = async (base: string, route: Route, authorization: string | null, headers?: Record<string, string>): Promise<JsonResponse> =>
        httpJson(`${base}${route.path}`, { method: route.method, authorization, headers, body: route.body?.() });

      let requests = 0;
      for (const [base, routes, service] of [
        [stack.apiUrl, apiRoutes, 'api'],
        [stack.ingestionUrl, ingestionRoutes, 'ingestion'],
      ] as const) {
        for (const route of routes) {
          const cases: Array<[string, string | null, Record<string, string> | undefined, number]> = wrong.map(([what, auth, headers]) => [what, auth, headers, 401]);
          // The right kind of credential for the other kind of route: refused as forbidden.
          if (service === 'api')
            cases.push(route.kind === 'admin' ? ['the system key', `Api-Key ${SYSTEM_KEY}`, undefined, 403] : ['the admin key', `Bearer ${ADMIN_KEY}`, undefined, 403]);
          else cases.push(['the admin key', `Bearer ${ADMIN_KEY}`, undefined, 401]);
          for (const [what, auth, headers, status] of cases) {
            const answer = await send(base, route, auth, headers);
            requests++;
            if (answer.status !== status || typeof answer.body?.message !== 'string') {
              refusals.push(`${service} ${route.method} ${route.path} with ${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 120)}`);
            }
          }
        }
      }
      const after = await snapshot();
      observe(`${requests} requests over ${apiRoutes.length} api and ${ingestionRoutes.length} ingestion routes; ${refusals.length} not refused as expected`);
      for (const r of refusals.slice(0, 5)) observe(`unexpected: ${r}`);
      observe(
        `before/after: rows ${JSON.stringify(after.rows)}, ${after.objects.length} objects, queue paused: ${after.queue.queuePaused}, link ${after.link.ingestion_status} attempt ${after.link.attempt}`,
      );
      expect(refusals).toEqual([]);
      expect(after).toEqual(before);
    },
  );

  faultTest(
    'POST /ingest-file with path tricks, oversized, malformed and ill-typed bodies, bad chunk settings, unknown providers, SQL in the table name',
    'each refused with 400 and a message (413 for the body over the limit, 415 for a form-encoded body); nothing stored, no table created, the final link untouched',
    async (observe) => {
      const valid = ingestRequest();
      const paths = [
        `gs://${BUCKET}/../secret.txt`,
        `gs://${BUCKET}/uploads/../../etc/passwd`,
        '../../etc/passwd',
        '/etc/passwd',
        `gs://${BUCKET}/uploads%2F..%2Fsecret.txt`,
        `gs://${BUCKET}/a%2e%2e/b.txt`,
        `gs://${BUCKET}/a\\..\\b.txt`,
        `gs://${BUCKET}//etc/passwd`,
        'gs://other-bucket/x.txt',
        `gs://${BUCKET}.attacker.example/x.txt`,
        `GS://${BUCKET}/x.txt`,
        'gs:///x.txt',
        'file:///etc/passwd',
        'http://127.0.0.1:9/x.txt',
        `https://storage.googleapis.com/${BUCKET}/x.txt`,
        `gs://${BUCKET}/x\u0000.txt`,
        `gs://${BUCKET}/${'a'.repeat(1100)}`,
        `gs://${BUCKET}/${'a'.repeat(3000)}`,
        '',
      ];
      const sqlNames = [
        'kb_guarded; DROP TABLE files; --',
        'kb_guarded"; DROP TABLE files; --',
        "x' OR '1'='1",
        'kb_guarded--',
        'KB_GUARDED',
        'kb guarded',
        'pg_catalog.pg_class',
        '"kb_guarded"',
        'a'.repeat(59),
        '',
      ];
      type Case = { name: string; status: number; body?: unknown; raw?: string; contentType?: string };
      const cases: Case[] = [
        ...paths.map((file_path) => ({
          name: `file_path ${JSON.stringify(file_path.slice(0, 40))}${file_path.length > 40 ? `… (${file_path.length} chars)` : ''}`,
          status: 400,
          body: { ...valid, file_path },
        })),
        ...sqlNames.map((vector_table_name) => ({
          name: `vector_table_name ${JSON.stringify(vector_table_name.slice(0, 40))}`,
          status: 400,
          body: { ...valid, vector_table_name },
        })),
        { name: 'body over BODY_LIMIT_BYTES', status: 413, body: { ...valid, custom_metadata: { pad: 'x'.repeat(300_000) } } },
        { name: 'malformed JSON', status: 400, raw: '{"file_path": "gs://x/y", ' },
        { name: 'JSON null', status: 400, raw: 'null' },
        { name: 'JSON array', status: 400, raw: '[]' },
        { name: 'text/plain body', status: 400, raw: 'file_path=gs://x/y', contentType: 'text/plain' },
        { name: 'form-encoded body', status: 415, raw: 'file_path=gs://x/y', contentType: 'application/x-www-form-urlencoded' },
        { name: 'chunk_size as a string', status: 400, body: { ...valid, chunk_size: '64' } },
        { name: 'file_uuid not a uuid', status: 400, body: { ...valid, file_uuid: "' OR 1=1 --" } },
        { name: 'link_id a string', status: 400, body: { ...valid, link_id: 'abc' } },
        { name: 'custom_metadata a string', status: 400, body: { ...valid, custom_metadata: 'x' } },
        { name: 'team_id an object', status: 400, body: { ...valid, team_id: { $ne: null } } },
        { name: 'file_path a number', status: 400, body: { ...valid, file_path: 42 } },
        { name: 'batch_size 1.5', status: 400, body: { ...valid, batch_size: 1.5 } },
        { name: 'chunk_size 10 000 000', status: 400, body: { ...valid, chunk_size: 10_000_000 } },
        { name: 'chunk_size 8193', status: 400, body: { ...valid, chunk_size: 8193 } },
        { name: 'chunk_size -1', status: 400, body: { ...valid, chunk_size: -1 } },
        { name: 'chunk_overlap = chunk_size', status: 400, body: { ...valid, chunk_size: 64, chunk_overlap: 64 } },
        { name: 'chunk_overlap > chunk_size', status: 400, body: { ...valid, chunk_size: 100, chunk_overlap: 500 } },
        { name: 'embedding_provider cohere', status: 400, body: { ...valid, embedding_provider: 'cohere' } },
        { name: 'embedding_provider LOCAL', status: 400, body: { ...valid, embedding_provider: 'LOCAL' } },
        { name: 'local provider with an unknown model', status: 400, body: { ...valid, embedding_model: 'gpt-4o' } },
        { name: 'openai provider, not configured here', status: 400, body: { ...valid, embedding_provider: 'openai', embedding_model: 'text-embedding-3-small' } },
        { name: 'an unknown field', status: 400, body: { ...valid, drop_table: true } },
        { name: 'file_uuid missing', status: 400, body: { ...valid, file_uuid: undefined } },
      ];
      const others: Array<Case & { path: string }> = [
        {
          name: 'delete-vectors with SQL in the table name',
          path: '/delete-vectors',
          status: 400,
          body: { vector_table_name: 'kb_guarded; DELETE FROM files', file_uuid: fileUuid, knowledgebase_id: KB },
        },
        {
          name: 'delete-vectors with SQL in file_uuid',
          path: '/delete-vectors',
          status: 400,
          body: { vector_table_name: 'kb_guarded', file_uuid: "' OR '1'='1", knowledgebase_id: KB },
        },
        {
          name: 'search with SQL in the table name',
          path: '/search',
          status: 400,
          body: { query: 'x', vector_table_name: 'kb_guarded UNION SELECT 1', embedding_provider: 'local', embedding_model: LOCAL_MODEL },
        },
        {
          name: 'search with top_k 1 000 000',
          path: '/search',
          status: 400,
          body: { query: 'x', vector_table_name: 'kb_guarded', embedding_provider: 'local', embedding_model: LOCAL_MODEL, top_k: 1_000_000 },
        },
      ];

      const before = await snapshot();
      const wrongAnswers: string[] = [];
      for (const c of [...cases.map((c) => ({ ...c, path: '/ingest-file' })), ...others]) {
        const answer = await stack.ingestion(c.path, c.raw !== undefined ? { rawBody: c.raw, contentType: c.contentType } : { body: c.body });
        const message = answer.body?.message;
        if (answer.status !== c.status || typeof message !== 'string' || message.length < 5) {
          wrongAnswers.push(`${c.path} ${c.name}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 160)}`);
        }
      }
      const after = await snapshot();
      observe(
        `${cases.length + others.length} bad requests (${paths.length} file_path tricks, ${sqlNames.length} SQL table names); ${wrongAnswers.length} answered otherwise than expected`,
      );
      for (const w of wrongAnswers.slice(0, 8)) observe(`unexpected: ${w}`);
      observe(`tables and rows after: ${JSON.stringify(after.rows)}; link ${after.link.ingestion_status} attempt ${after.link.attempt}`);
      expect(wrongAnswers).toEqual([]);
      expect(after).toEqual(before);
    },
  );

  faultTest(
    'forged and replayed progress callbacks against final links',
    'a completed or failed link never changes: replays of an older attempt are stale, anything for the final attempt is refused as final, a wrong file or link is 404, bad bodies 400, wrong credentials 401/403',
    async (observe) => {
      // A second, completed attempt, so attempt 1's captured callbacks are from an older attempt.
      const again = await stack.api(`/api/v1/files/${fileUuid}/reingest`, { body: { knowledgebase_id: KB } });
      expect(again.status).toBe(201);
      const completed = await stack.waitForFinal(fileUuid, KB, 120_000);
      expect(completed).toMatchObject({ ingestion_status: 'completed', attempt: 2 });
      // And a link that failed (a file with no text).
      const blank = await stack.upload('blank.txt', ' \n \n ', { knowledgebase_id: KB, auto_ingest: 'true' });
      const failed = await stack.waitForFinal(blank.uuid, KB, 60_000);
      expect(failed.ingestion_status).toBe('failed');

      const captured = stack.recorder!.callbacks.filter((c) => c.path.includes(fileUuid) && c.status === 200);
      const ofAttempt = (n: number) => captured.filter((c) => JSON.parse(c.body).attempt === n);
      expect(ofAttempt(1).length).toBeGreaterThan(1);
      // The second attempt of an unchanged file may send its final report alone: its earlier
      // reports are held (PROGRESS_HOLD_MS) and replaced by that one.
      expect(ofAttempt(2).length).toBeGreaterThan(0);

      const before = { rows: await stack.rowCounts(), completed: await stack.storedLink(completed.link_id), failed: await stack.storedLink(failed.link_id) };
      const surprises: string[] = [];
      const expectAnswer = (what: string, answer: JsonResponse, status: number, reason?: string) => {
        if (answer.status !== status || (reason && answer.body?.reason !== reason))
          surprises.push(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 160)}`);
      };

      // Replays, byte for byte, with the credential the service itself sent.
      for (const [attempt, reason] of [
        [1, 'stale_attempt'],
        [2, 'final'],
      ] as const) {
        for (const c of ofAttempt(attempt)) {
          const answer = await httpJson(`${stack.apiUrl}${c.path}`, { authorization: c.headers.authorization as string, rawBody: c.body });
          expectAnswer(`replay of attempt ${attempt} ${JSON.parse(c.body).status}`, answer, 200, reason);
        }
      }
      let forged = 0;
      const forge = (uuid: string, body: Record<string, unknown>, authorization: string | null = `Api-Key ${SYSTEM_KEY}`) => {
        forged++;
        return httpJson(`${stack.apiUrl}/api/v1/files/${uuid}/update-progress`, { authorization, body });
      };
      const base = { progress: 50, processed_docs: 1, total_docs: 2, link_id: completed.link_id, status: 'processing', attempt: 2 };
      expectAnswer('forged failure of the completed attempt', await forge(fileUuid, { ...base, status: 'failed', error: 'forged' }), 200, 'final');
      expectAnswer('forged progress on the completed attempt', await forge(fileUuid, { ...base, stage: 'embedding' }), 200, 'final');
      expectAnswer(
        'forged completion with 999999 chunks, no attempt',
        await forge(fileUuid, { ...base, status: 'completed', chunks: 999_999, attempt: undefined }),
        200,
        'final',
      );
      expectAnswer('forged callback for a future attempt', await forge(fileUuid, { ...base, attempt: 3 }), 200, 'stale_attempt');
      expectAnswer(
        'forged completion of the failed link',
        await forge(blank.uuid, { ...base, link_id: failed.link_id, status: 'completed', chunks: 3, attempt: failed.attempt }),
        200,
        'final',
      );
      expectAnswer('forged progress on the failed link', await forge(blank.uuid, { ...base, link_id: failed.link_id, attempt: failed.attempt }), 200, 'final');
      expectAnswer("another file's uuid with this link", await forge(blank.uuid, { ...base, status: 'completed' }), 404);
      expectAnswer('an unknown link', await forge(fileUuid, { ...base, link_id: 999_999 }), 404);
      expectAnswer('an unknown file', await forge(randomUUID(), base), 404);
      expectAnswer('progress 150', await forge(fileUuid, { ...base, progress: 150 }), 400);
      expectAnswer('a smuggled ingestion_status field', await forge(fileUuid, { ...base, ingestion_status: 'completed' }), 400);
      expectAnswer('a path that is not a uuid', await forge("x' OR '1'='1", base), 400);
      const lastFinal = ofAttempt(2).at(-1)!;
      expectAnswer('a replay without credentials', await httpJson(`${stack.apiUrl}${lastFinal.path}`, { authorization: null, rawBody: lastFinal.body }), 401);
      expectAnswer(
        'a replay with the admin key',
        await httpJson(`${stack.apiUrl}${lastFinal.path}`, { authorization: `Bearer ${ADMIN_KEY}`, rawBody: lastFinal.body }),
        403,
      );

      const after = { rows: await stack.rowCounts(), completed: await stack.storedLink(completed.link_id), failed: await stack.storedLink(failed.link_id) };
      observe(
        `${ofAttempt(1).length + ofAttempt(2).length + 2} captured callbacks replayed (2 of them without or with the wrong credential) and ${forged} forged ones sent; ${surprises.length} answered otherwise than expected`,
      );
      for (const s of surprises.slice(0, 8)) observe(`unexpected: ${s}`);
      observe(
        `completed link: ${after.completed.ingestion_status} attempt ${after.completed.attempt} chunk_count ${after.completed.chunk_count}; failed link: ${after.failed.ingestion_status}; rows unchanged: ${JSON.stringify(after.rows) === JSON.stringify(before.rows)}`,
      );
      expect(surprises).toEqual([]);
      expect(after).toEqual(before);
    },
  );
});
