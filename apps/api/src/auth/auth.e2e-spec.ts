import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod, type Type } from '@nestjs/common';
import { Storage } from '@google-cloud/storage';
import { localStorageOptions } from '@docingest/local-gcs';
import { ModulesContainer } from '@nestjs/core';
import { hang, waitUntil } from '@docingest/contracts/testing';
import { ADMIN_KEY, BUCKET, SYSTEM_KEY } from '../testing/api-stack';
import { useApiStack } from '../testing/use-api-stack';
import { createHmac } from 'node:crypto';
import { SESSION_COOKIE } from './admin-session';

type Kind = 'public' | 'admin' | 'system';

/** Who may call each route: written out here, not read from the decorators, so a wrong decorator fails. */
const EXPECTED: Record<string, Kind> = {
  'POST /api/v1/auth/session': 'public',
  'DELETE /api/v1/auth/session': 'public',
  'GET /health': 'public',
  'GET /health/ready': 'public',
  'POST /api/v1/knowledge-bases': 'admin',
  'GET /api/v1/knowledge-bases': 'admin',
  'GET /api/v1/knowledge-bases/:kb': 'admin',
  'GET /api/v1/knowledge-bases/:kb/files': 'admin',
  'GET /api/v1/knowledge-bases/:kb/ingestions/events': 'admin',
  'DELETE /api/v1/knowledge-bases/:kb': 'admin',
  'DELETE /api/v1/knowledge-bases/:kb/files/:uuid': 'admin',
  'POST /api/v1/knowledge-bases/:kb/search': 'admin',
  'POST /api/v1/knowledge-bases/:kb/imports': 'admin',
  'GET /api/v1/knowledge-bases/:kb/imports': 'admin',
  'GET /api/v1/knowledge-bases/:kb/imports/:id': 'admin',
  'GET /api/v1/knowledge-bases/:kb/imports/:id/results': 'admin',
  'POST /api/v1/files': 'admin',
  'POST /api/v1/files/ingest-selected': 'admin',
  'POST /api/v1/files/:uuid/reingest': 'admin',
  'GET /api/v1/files/:uuid/progress': 'admin',
  'GET /api/v1/ingestions/:linkId': 'admin',
  'POST /api/v1/files/:uuid/update-progress': 'system',
};

/** Every route the controllers declare, as "METHOD /path". */
function declaredRoutes(controllers: Type[]): string[] {
  const routes: string[] = [];
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = controller.prototype[name];
      if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const path = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
      const full = `/${[base, path].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
      routes.push(`${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler)]} ${full}`);
    }
  }
  return routes.sort();
}

const WRONG_CREDENTIALS = [
  'Bearer not-the-admin-key-000',
  `Bearer ${ADMIN_KEY}x`,
  `Bearer ${SYSTEM_KEY}`, // the system key under the admin scheme
  `Api-Key ${ADMIN_KEY}`, // the admin key under the system scheme
  'Api-Key not-the-system-key',
  `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`,
  'Bearer',
];

describe('authentication of every route (docs/wire-contract.md#authentication)', () => {
  const { stack, standIn, queue } = useApiStack({
    standIn: hang,
    apiEnv: { SHUTDOWN_GRACE_MS: '200', TRUSTED_PROXY_HOPS: '1', SIGN_IN_ATTEMPTS_PER_MINUTE: '5' },
    knowledgeBases: ['secure'],
  });
  let storage: Storage;
  let fileUuid: string;
  let linkId: number;
  let importId: string;

  beforeAll(async () => {
    storage = new Storage(localStorageOptions(stack.gcs.url));
    const uploaded = await stack.upload('secret.md', 'The vault code is in the safe.', { knowledgebase_id: 'secure' });
    fileUuid = uploaded.body.uuid;
    linkId = (await stack.link(fileUuid, 'secure')).link_id;
    // An import of its own for the import routes to act on; this process's worker is paused, so
    // its queued file is never dispatched and the specs below still see nothing sent.
    await queue.pause(true);
    await storage.bucket(BUCKET).file('imported/ledger.md').save('The ledger lists every key.', { resumable: false });
    importId = (await stack.request('POST', '/api/v1/knowledge-bases/secure/imports', { gcs_uri: `gs://${BUCKET}/imported/` })).body.import_id;
  });

  /** A request each route would act on if it let the caller in: a refusal must leave all of it undone. */
  function callFor(route: string): { method: string; path: string; body?: () => unknown } {
    const [method, template] = route.split(' ');
    const path = template.replace(':kb', 'secure').replace(':uuid', fileUuid).replace(':linkId', String(linkId)).replace(':id', importId);
    const bodies: Record<string, () => unknown> = {
      'POST /api/v1/knowledge-bases': () => ({
        knowledgebase_id: 'intruder',
        name: 'x',
        embedding_provider: 'local',
        embedding_model: 'use-lite',
        chunk_size: 64,
        chunk_overlap: 8,
      }),
      'POST /api/v1/knowledge-bases/:kb/search': () => ({ query: 'vault code' }),
      'POST /api/v1/knowledge-bases/:kb/imports': () => ({ gcs_uri: `gs://${BUCKET}/uploads/` }),
      'POST /api/v1/files': () => {
        const form = new FormData();
        form.append('knowledgebase_id', 'secure');
        form.append('auto_ingest', 'true');
        form.append('file', new Blob(['planted']), 'planted.txt');
        return form;
      },
      'POST /api/v1/files/ingest-selected': () => ({ file_uuids: [fileUuid], knowledgebase_id: 'secure', force: true }),
      'POST /api/v1/files/:uuid/reingest': () => ({ knowledgebase_id: 'secure', force: true }),
      'POST /api/v1/files/:uuid/update-progress': () => ({ progress: 100, processed_docs: 1, total_docs: 1, link_id: linkId, status: 'completed', chunks: 1 }),
    };
    return { method, path, body: bodies[route] };
  }

  async function call(route: string, headers: Record<string, string>) {
    const { method, path, body } = callFor(route);
    const payload = body?.();
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { ...headers, ...(payload && !(payload instanceof FormData) ? { 'content-type': 'application/json' } : {}) },
      body: payload === undefined ? undefined : payload instanceof FormData ? payload : JSON.stringify(payload),
    });
    // An event stream that was let through never ends: its status is the answer.
    if (response.ok && response.headers.get('content-type')?.startsWith('text/event-stream')) {
      await response.body?.cancel();
      return { route, status: response.status, body: null };
    }
    const text = await response.text();
    return { route, status: response.status, body: text ? JSON.parse(text) : null };
  }

  /** Everything a call could change: the app tables, the bucket, the queue, and calls to the ingestion service. */
  async function everything() {
    const tables: Record<string, unknown[]> = {};
    for (const table of ['knowledge_bases', 'files', 'file_knowledge_base_links', 'imports', 'import_items'])
      tables[table] = (await stack.pool.query(`SELECT * FROM ${table} ORDER BY 1`)).rows;
    const [objects] = await storage.bucket(BUCKET).getFiles();
    // The stale sweep's repeating job moves from delayed to waiting on its own clock (every
    // SWEEP_INTERVAL_MS): only jobs a call could have added are compared.
    const jobs = await queue.getJobs(['waiting', 'paused', 'active', 'delayed', 'completed', 'failed']);
    const queued = jobs
      .filter((job) => !job.opts.repeat)
      .map((job) => `${job.name}:${job.id}`)
      .sort();
    return { tables, objects: objects.map((o) => o.name).sort(), queued, paused: await queue.isPaused(), ingestionCalls: standIn.received.length };
  }

  const guarded = Object.keys(EXPECTED).filter((route) => EXPECTED[route] !== 'public');
  const adminRoutes = guarded.filter((route) => EXPECTED[route] === 'admin');

  it('knows every route the controllers declare', () => {
    // The controllers of every module the running app holds.
    const modules = [...stack.app.get(ModulesContainer).values()];
    const controllers = modules.flatMap((module) => [...module.controllers.values()].map((wrapper) => wrapper.metatype as Type));
    expect(declaredRoutes(controllers)).toEqual(Object.keys(EXPECTED).sort());
  });

  it('refuses every guarded route without credentials or with wrong ones (401), changing nothing', async () => {
    const before = await everything();
    const seen: Array<{ route: string; credential: string; status: number }> = [];
    for (const route of guarded) {
      for (const credential of ['(none)', ...WRONG_CREDENTIALS]) {
        const answer = await call(route, credential === '(none)' ? {} : { authorization: credential });
        seen.push({ route, credential, status: answer.status });
        expect(answer.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
    }
    expect(seen.filter((s) => s.status !== 401)).toEqual([]);
    expect(await everything()).toEqual(before);
  });

  it('refuses the system key on admin routes and the admin key on update-progress (403), changing nothing', async () => {
    const before = await everything();
    const refused: Array<{ route: string; status: number }> = [];
    for (const route of adminRoutes) {
      const answer = await call(route, { authorization: `Api-Key ${SYSTEM_KEY}` });
      refused.push({ route, status: answer.status });
      expect(answer.body.message).toMatch(/admin/);
    }
    const progress = await call('POST /api/v1/files/:uuid/update-progress', { authorization: `Bearer ${ADMIN_KEY}` });
    refused.push({ route: progress.route, status: progress.status });
    expect(progress.body.message).toMatch(/system/);
    expect(refused.filter((r) => r.status !== 403)).toEqual([]);
    // The admin session is for people: it does not stand in for the system credential.
    const signedIn = await fetch(`${stack.apiUrl}/api/v1/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: ADMIN_KEY }),
    });
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0];
    expect((await call('POST /api/v1/files/:uuid/update-progress', { cookie })).status).toBe(401);
    expect(await everything()).toEqual(before);
  });

  it('lets the right credential through on every read route', async () => {
    for (const route of adminRoutes.filter((r) => r.startsWith('GET '))) {
      expect({ route, status: (await call(route, { authorization: `Bearer ${ADMIN_KEY}` })).status }).toEqual({ route, status: 200 });
    }
    const progress = await call('POST /api/v1/files/:uuid/update-progress', { authorization: `Api-Key ${SYSTEM_KEY}` });
    // The link is not_started, so the update is refused on its merits, not for the credential.
    expect(progress.status).not.toBe(401);
    expect(progress.status).not.toBe(403);
  });

  it('keeps the health checks public', async () => {
    const live = await fetch(`${stack.apiUrl}/health`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${stack.apiUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'ok', redis: 'ok' });
  });

  it('puts the queue dashboard and its API behind the admin credential', async () => {
    const before = await everything();
    for (const [path, method] of [
      ['/admin/queues', 'GET'],
      ['/admin/queues/api/queues', 'GET'],
      ['/admin/queues/api/queues/ingestion/pause', 'PUT'],
      ['/admin/queues/api/queues/ingestion/clean/completed', 'PUT'],
      ['/ADMIN/QUEUES/api/queues/ingestion/pause', 'PUT'],
    ]) {
      const anonymous = await fetch(`${stack.apiUrl}${path}`, { method });
      expect({ path, status: anonymous.status }).toEqual({ path, status: 401 });
      const wrong = await fetch(`${stack.apiUrl}${path}`, { method, headers: { authorization: 'Bearer not-the-admin-key-000' } });
      expect({ path, status: wrong.status }).toEqual({ path, status: 401 });
      const system = await fetch(`${stack.apiUrl}${path}`, { method, headers: { authorization: `Api-Key ${SYSTEM_KEY}` } });
      expect({ path, status: system.status }).toEqual({ path, status: 403 });
      expect(await system.json()).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    }
    expect(await everything()).toEqual(before);

    const page = await fetch(`${stack.apiUrl}/admin/queues`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const api = await fetch(`${stack.apiUrl}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(api.status).toBe(200);
    expect(JSON.stringify(await api.json())).toContain('ingestion');
  });

  it('puts the API description behind the admin credential', async () => {
    for (const path of ['/api/docs', '/api/docs-json']) {
      expect({ path, status: (await fetch(`${stack.apiUrl}${path}`)).status }).toEqual({ path, status: 401 });
      const allowed = await fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect({ path, status: allowed.status }).toEqual({ path, status: 200 });
    }
  });

  describe('admin session cookie', () => {
    // Each test signs in from its own address (X-Forwarded-For, believed with TRUSTED_PROXY_HOPS=1),
    // so the sign-in throttle counts each test apart.
    const signIn = (key: string, from: string, headers: Record<string, string> = {}) =>
      fetch(`${stack.apiUrl}/api/v1/auth/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': from, ...headers },
        body: JSON.stringify({ key }),
      });
    const withCookie = (path: string, cookie: string) => fetch(`${stack.apiUrl}${path}`, { headers: { cookie } });
    const sessionCookie = async (from: string) => (await signIn(ADMIN_KEY, from)).headers.get('set-cookie')!.split(';')[0];
    const signed = (key: string, id: string) => `${id}.${createHmac('sha256', key).update(`admin-session:${id}`).digest('base64url')}`;

    it('is refused for a wrong key, setting no cookie', async () => {
      const response = await signIn('not-the-admin-key-000', '203.0.113.1');
      expect(response.status).toBe(401);
      expect(response.headers.get('set-cookie')).toBeNull();
      expect((await signIn(SYSTEM_KEY, '203.0.113.1')).status).toBe(401);
    });

    it('signs in with the admin key, and the cookie opens the REST API and the dashboard', async () => {
      const response = await signIn(ADMIN_KEY, '203.0.113.2');
      expect(response.status).toBe(204);
      const setCookie = response.headers.get('set-cookie')!;
      expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Strict/i);
      expect(setCookie).not.toMatch(/Secure/i); // plain HTTP: a Secure cookie would never come back
      expect(setCookie).not.toContain(ADMIN_KEY);
      const cookie = setCookie.split(';')[0];
      expect((await withCookie('/api/v1/knowledge-bases', cookie)).status).toBe(200);
      expect((await withCookie('/admin/queues', cookie)).status).toBe(200);
      expect((await withCookie(`/api/v1/files/${fileUuid}/progress`, cookie)).status).toBe(200);
    });

    it('marks the cookie Secure when the front end says the request came over HTTPS', async () => {
      const response = await signIn(ADMIN_KEY, '203.0.113.3', { 'x-forwarded-proto': 'https' });
      expect(response.status).toBe(204);
      expect(response.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    });

    it('refuses a tampered, forged, expired or foreign cookie', async () => {
      const valid = decodeURIComponent((await sessionCookie('203.0.113.4')).split('=')[1]);
      const [id, signature] = valid.split('.');
      const flip = (text: string) => text.slice(0, -1) + (text.endsWith('A') ? 'B' : 'A');
      const expiredId = 'expired-session-id-0000000000000000';
      await stack.pool.query(`INSERT INTO admin_sessions (id_hash, expires_at) VALUES (encode(sha256($1::bytea), 'hex'), now() - interval '1 minute')`, [expiredId]);
      const cookies = {
        'a changed signature': `${id}.${flip(signature)}`,
        'another id with the old signature': `${flip(id)}.${signature}`,
        'a well-signed id the server never issued': signed(ADMIN_KEY, 'never-issued-000000000000000000'),
        'an expired session': signed(ADMIN_KEY, expiredId),
        'a session signed with another key': signed('some-other-admin-key', id),
        'no signature': `${id}.`,
        garbage: 'garbage',
      };
      for (const [what, value] of Object.entries(cookies)) {
        for (const path of ['/api/v1/knowledge-bases', '/admin/queues']) {
          const status = (await withCookie(path, `${SESSION_COOKIE}=${encodeURIComponent(value)}`)).status;
          expect({ what, path, status }).toEqual({ what, path, status: 401 });
        }
      }
    });

    it('signs out by revoking the session on the server: a kept copy of the cookie stops working', async () => {
      const cookie = await sessionCookie('203.0.113.5');
      const other = await sessionCookie('203.0.113.5');
      expect((await withCookie('/api/v1/knowledge-bases', cookie)).status).toBe(200);
      const response = await fetch(`${stack.apiUrl}/api/v1/auth/session`, { method: 'DELETE', headers: { cookie } });
      expect(response.status).toBe(204);
      const setCookie = response.headers.get('set-cookie')!;
      expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
      expect(setCookie).toMatch(/Expires=Thu, 01 Jan 1970/);
      for (const path of ['/api/v1/knowledge-bases', '/admin/queues']) expect({ path, status: (await withCookie(path, cookie)).status }).toEqual({ path, status: 401 });
      // Only that session ends: the same admin signed in elsewhere stays signed in.
      expect((await withCookie('/api/v1/knowledge-bases', other)).status).toBe(200);
      // Signing out without a session, or with a forged one, is harmless.
      expect((await fetch(`${stack.apiUrl}/api/v1/auth/session`, { method: 'DELETE' })).status).toBe(204);
    });

    it('throttles sign-in per address: after the limit even the right key waits, other addresses do not', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await signIn(`wrong-key-${i}-0000000`, '198.51.100.7')).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      const throttled = await signIn(ADMIN_KEY, '198.51.100.7');
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('set-cookie')).toBeNull();
      expect(await throttled.json()).toMatchObject({
        statusCode: 429,
        code: 'too_many_attempts',
        message: expect.stringMatching(/too many sign-in attempts from this address \(5 a minute\): try again in \d+ s/),
      });
      expect((await signIn(ADMIN_KEY, '198.51.100.8')).status).toBe(204);
    });
  });

  it('still has nothing queued or dispatched after all the refusals', async () => {
    await waitUntil('the queue to be idle', async () => (await queue.getActiveCount()) === 0, 10_000);
    expect(standIn.dispatches).toEqual([]);
    expect(await stack.link(fileUuid, 'secure')).toMatchObject({ ingestion_status: 'not_started', attempt: 0 });
  });
});
