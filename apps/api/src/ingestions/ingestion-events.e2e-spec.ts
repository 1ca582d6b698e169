import { once } from 'node:events';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { connect, type Socket } from 'node:net';
import { EventSource } from 'eventsource';
import { INGESTION_EVENT, INGESTION_STAGES, LINK_REMOVED_EVENT, ingestionEventsPath, type IngestionView } from '@docingest/contracts';
import { freePort } from '@docingest/local-redis';
import { waitUntil } from '@docingest/contracts/testing';
import { createApp } from '../create-app';
import { ADMIN_KEY, startApiStack, type ApiStack } from '../testing/api-stack';
import { KnowledgeBasesService } from '../knowledge-bases/knowledge-bases.service';
import { LinkEvents } from './link-events';
import { LinksRepository } from './links.repository';

/** A real server-sent events client on the api's stream, with the admin key; every event kept in order. */
function openStream(stack: Pick<ApiStack, 'apiUrl'>, kb: string, linkIds?: number[]) {
  const events: Array<{ type: string; data: any }> = [];
  let status = 0;
  const source = new EventSource(`${stack.apiUrl}${ingestionEventsPath(kb, linkIds)}`, {
    fetch: async (input, init) => {
      const response = await fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${ADMIN_KEY}` } });
      status = response.status;
      return response;
    },
  });
  for (const type of [INGESTION_EVENT, LINK_REMOVED_EVENT]) source.addEventListener(type, (event) => events.push({ type, data: JSON.parse(event.data) }));
  const opened = new Promise<void>((resolve, reject) => {
    source.addEventListener('open', () => resolve());
    source.addEventListener('error', () => source.readyState === EventSource.CLOSED && reject(new Error(`the stream was refused: HTTP ${status}`)));
  });
  return { source, events, opened, status: () => status };
}

/**
 * A raw HTTP client on the api's stream (a request sent by hand on its own socket), and the
 * server's end of that socket, to see when the api has noticed the client go.
 */
async function rawStream(stack: Pick<ApiStack, 'app' | 'apiUrl'>, path: string): Promise<{ client: Socket; server: Socket }> {
  const httpServer = stack.app.getHttpServer() as Server;
  const accepted: Socket[] = [];
  const onConnection = (socket: Socket) => accepted.push(socket);
  httpServer.on('connection', onConnection);
  try {
    const client = connect(Number(new URL(stack.apiUrl).port), '127.0.0.1');
    await once(client, 'connect');
    const server = await waitUntil('the api accepting the connection', async () => accepted.find((s) => s.remotePort === client.localPort), 10_000);
    client.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nAccept: text/event-stream\r\n\r\n`);
    return { client, server };
  } finally {
    httpServer.off('connection', onConnection);
  }
}

const views = (events: Array<{ type: string; data: any }>, linkId: number): IngestionView[] =>
  events.filter((e) => e.type === INGESTION_EVENT && e.data.link_id === linkId).map((e) => e.data);

describe('ingestion events: each link change pushed as the api records it', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack();
    await stack.createKnowledgeBase('live');
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('a stream opened before the ingestion sees it pending, processing through every stage in order, then completed, as the poll ends it', async () => {
    const stream = openStream(stack, 'live');
    await stream.opened;
    const text = Array.from({ length: 12 }, (_, i) => `Paragraph ${i}: the harbour pumps are inspected every quarter by the night shift.`).join('\n\n');
    const { body: file } = await stack.upload('harbour.md', text, { knowledgebase_id: 'live', auto_ingest: 'true' });
    const linkId = (await stack.link(file.uuid, 'live')).link_id;
    const final = await waitUntil('the completed event', async () => views(stream.events, linkId).find((v) => v.ingestion_status === 'completed'), 120_000);
    stream.source.close();

    const seen = views(stream.events, linkId);
    const statuses = seen.map((v) => v.ingestion_status).filter((s, i, all) => s !== all[i - 1]);
    expect(statuses).toEqual(['pending', 'processing', 'completed']);
    const stages = seen.filter((v) => v.ingestion_status === 'processing' && v.current_stage).map((v) => INGESTION_STAGES.indexOf(v.current_stage!));
    expect(stages[0]).toBe(INGESTION_STAGES.indexOf('downloading'));
    expect(stages).toContain(INGESTION_STAGES.indexOf('storing'));
    expect(stages).toEqual([...stages].sort((a, b) => a - b)); // never backwards
    const progress = seen.map((v) => v.ingestion_progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(final.chunk_count).toBeGreaterThan(0);
    const polled = (await stack.request('GET', `/api/v1/ingestions/${linkId}`)).body;
    expect({ ...final, pages: polled.pages, pages_skipped: polled.pages_skipped }).toEqual(polled);
  });

  it('a stream naming its links sends each one’s current view first, and only those links', async () => {
    const { body: done } = await stack.upload('done.md', 'The north gate opens at six.', { knowledgebase_id: 'live', auto_ingest: 'true' });
    const doneLink = (await stack.waitForFinal(done.uuid, 'live')).link_id;
    const { body: other } = await stack.upload('other.md', 'The south gate opens at seven.', { knowledgebase_id: 'live' });
    const otherLink = (await stack.link(other.uuid, 'live')).link_id;

    const stream = openStream(stack, 'live', [doneLink]);
    await stream.opened;
    await waitUntil('the current view', async () => views(stream.events, doneLink).length > 0, 10_000);
    expect(views(stream.events, doneLink)[0]).toEqual((await stack.request('GET', `/api/v1/ingestions/${doneLink}`)).body);
    await stack.request('POST', '/api/v1/files/ingest-selected', { file_uuids: [other.uuid], knowledgebase_id: 'live' });
    await stack.waitForFinal(other.uuid, 'live');
    stream.source.close();
    expect(stream.events.every((e) => e.data.link_id === doneLink)).toBe(true);
    expect(otherLink).not.toBe(doneLink);
  });

  it('says when a file leaves the knowledge base', async () => {
    const { body: file } = await stack.upload('leaving.md', 'The west gate is closed for repairs.', { knowledgebase_id: 'live', auto_ingest: 'true' });
    const linkId = (await stack.waitForFinal(file.uuid, 'live')).link_id;
    const stream = openStream(stack, 'live');
    await stream.opened;
    expect((await stack.request('DELETE', `/api/v1/knowledge-bases/live/files/${file.uuid}`)).status).toBe(200);
    await waitUntil('the removal event', async () => stream.events.some((e) => e.type === LINK_REMOVED_EVENT), 10_000);
    stream.source.close();
    expect(stream.events.find((e) => e.type === LINK_REMOVED_EVENT)!.data).toEqual({ link_id: linkId, file_uuid: file.uuid });
  });

  it('changes of one attempt published out of order reach the client in order: the stale one is dropped, a new attempt starts again from 0', async () => {
    const events = stack.app.get(LinkEvents);
    const { body: file } = await stack.upload('overtaken.md', 'The harbour crane is greased weekly.', { knowledgebase_id: 'live' });
    const link = (await stack.app.get(LinksRepository).find((await stack.link(file.uuid, 'live')).link_id))!;
    const stream = openStream(stack, 'live', [link.id]);
    await stream.opened;
    await waitUntil('the current view', async () => views(stream.events, link.id).length > 0, 10_000);
    const processing = { ...link, attempt: link.attempt + 1, ingestion_status: 'processing' as const, current_stage: 'embedding' as const };
    // Through Redis, in this order: 50 %, then 30 % (recorded before it, published after), then 60 %.
    events.changed([{ ...processing, ingestion_progress: 50 }]);
    events.changed([{ ...processing, ingestion_progress: 30 }]);
    events.changed([{ ...processing, ingestion_progress: 60 }]);
    events.changed([{ ...processing, attempt: processing.attempt + 1, ingestion_status: 'pending', ingestion_progress: 0, current_stage: null }]);
    await waitUntil('the next attempt', async () => views(stream.events, link.id).some((v) => v.attempt === processing.attempt + 1), 10_000);
    stream.source.close();
    expect(views(stream.events, link.id).map((v) => [v.attempt, v.ingestion_status, v.ingestion_progress])).toEqual([
      [link.attempt, 'not_started', 0],
      [processing.attempt, 'processing', 50],
      [processing.attempt, 'processing', 60],
      [processing.attempt + 1, 'pending', 0],
    ]);
  });

  it('a change heard while the current views are read, older than them, is not sent after them', async () => {
    const events = stack.app.get(LinkEvents);
    const repository = stack.app.get(LinksRepository);
    const { body: file } = await stack.upload('held.md', 'The harbour lights are tested at dusk.', { knowledgebase_id: 'live' });
    const linkId = (await stack.link(file.uuid, 'live')).link_id;
    // The stream's read of the current views is held until an older change has been heard.
    let reached!: () => void;
    const atRead = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const read = repository.findInKnowledgeBase.bind(repository);
    const gate = jest.spyOn(repository, 'findInKnowledgeBase').mockImplementationOnce(async (ids, kb) => {
      reached();
      await held;
      return read(ids, kb);
    });
    const heard: number[] = [];
    const unsubscribe = events.subscribe('live', (change) => change.kind === 'changed' && change.view.link_id === linkId && heard.push(change.view.ingestion_progress));
    try {
      const stream = openStream(stack, 'live', [linkId]);
      await atRead;
      await stack.pool.query(`UPDATE file_knowledge_base_links SET attempt = attempt + 1, ingestion_status = 'processing', ingestion_progress = 50 WHERE id = $1`, [
        linkId,
      ]);
      const now = (await repository.find(linkId))!;
      // Published after the row moved to 50 %, recorded before it: the stream (subscribed first) holds it.
      events.changed([{ ...now, ingestion_progress: 30 }]);
      await waitUntil('the older change heard', async () => heard.includes(30), 10_000);
      release();
      await stream.opened;
      events.changed([{ ...now, ingestion_progress: 70 }]);
      await waitUntil('the change after', async () => views(stream.events, linkId).some((v) => v.ingestion_progress === 70), 10_000);
      stream.source.close();
      expect(views(stream.events, linkId).map((v) => v.ingestion_progress)).toEqual([50, 70]);
    } finally {
      release();
      unsubscribe();
      gate.mockRestore();
    }
  });

  it('a stream on a second api instance sees what the first one records (through Redis)', async () => {
    const port = await freePort();
    const second = await createApp({ ...stack.config, PORT: port }, { logDestination: { write: () => undefined } });
    try {
      await second.listen(port, '127.0.0.1');
      const stream = openStream({ apiUrl: `http://127.0.0.1:${port}` }, 'live');
      await stream.opened;
      // Callbacks reach the first instance (the service's API_URL); the stream is on the second.
      const { body: file } = await stack.upload('elsewhere.md', 'The east gate is painted green.', { knowledgebase_id: 'live', auto_ingest: 'true' });
      const linkId = (await stack.link(file.uuid, 'live')).link_id;
      await waitUntil('the completed event on the second instance', async () => views(stream.events, linkId).some((v) => v.ingestion_status === 'completed'), 120_000);
      stream.source.close();
    } finally {
      await second.close();
    }
  });

  it('refuses a missing credential, an unknown knowledge base and bad link ids with the error body, and stops listening when the client goes', async () => {
    const raw = (path: string, auth = true) => fetch(`${stack.apiUrl}${path}`, { headers: auth ? { authorization: `Bearer ${ADMIN_KEY}` } : {} });
    expect((await raw(ingestionEventsPath('live'), false)).status).toBe(401);
    const unknown = await raw(ingestionEventsPath('nowhere'));
    expect({ status: unknown.status, body: await unknown.json() }).toMatchObject({ status: 404, body: { code: 'unknown_knowledge_base' } });
    const bad = await raw(`${ingestionEventsPath('live')}?link_ids=1,two`);
    expect({ status: bad.status, body: await bad.json() }).toMatchObject({ status: 400, body: { code: 'invalid_request', field: 'link_ids' } });

    const events = stack.app.get(LinkEvents);
    const before = events.listening;
    const stream = openStream(stack, 'live');
    await stream.opened;
    await waitUntil('the stream listening', async () => events.listening === before + 1, 10_000);
    stream.source.close();
    await waitUntil('the stream no longer listening', async () => events.listening === before, 10_000);
  });

  describe('at most MAX_EVENT_STREAMS streams on an instance', () => {
    let capped: INestApplication;
    let apiUrl: string;
    let events: LinkEvents;
    const get = (path: string) => fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });

    beforeAll(async () => {
      const port = await freePort();
      capped = await createApp({ ...stack.config, PORT: port, MAX_EVENT_STREAMS: 2 }, { logDestination: { write: () => undefined } });
      await capped.listen(port, '127.0.0.1');
      apiUrl = `http://127.0.0.1:${port}`;
      events = capped.get(LinkEvents);
    });
    let running = true;
    afterAll(async () => {
      if (running) await capped?.close();
    });

    it('answers one stream more with 503, Retry-After and the error body, and opens one again once a stream has closed', async () => {
      const [first, second] = [openStream({ apiUrl }, 'live'), openStream({ apiUrl }, 'live')];
      await Promise.all([first.opened, second.opened]);
      const refused = await get(ingestionEventsPath('live'));
      expect(refused.status).toBe(503); // before its body is read: a stream's would never end
      expect({ status: refused.status, retryAfter: Number(refused.headers.get('retry-after')), body: await refused.json() }).toMatchObject({
        status: 503,
        retryAfter: expect.any(Number),
        body: { statusCode: 503, error: 'Service Unavailable', code: 'too_many_streams', message: expect.stringContaining('MAX_EVENT_STREAMS') },
      });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(events.streams).toBe(2);

      first.source.close();
      await waitUntil('the closed stream’s place given back', async () => events.streams === 1, 10_000);
      const third = openStream({ apiUrl }, 'live');
      await third.opened;
      expect(third.status()).toBe(200);
      second.source.close();
      third.source.close();
      await waitUntil('every place given back', async () => events.streams === 0, 10_000);
    });

    it('gives every place back when clients vanish (sockets destroyed at once or mid-stream) or are refused, and at shutdown', async () => {
      for (let round = 0; round < 3; round++) {
        // Two streams whose clients vanish while their streams are open.
        const open = await Promise.all([
          rawStream({ app: capped, apiUrl }, ingestionEventsPath('live')),
          rawStream({ app: capped, apiUrl }, ingestionEventsPath('live')),
        ]);
        await Promise.all(open.map(({ client }) => once(client, 'data')));
        expect((await get(ingestionEventsPath('live'))).status).toBe(503);
        for (const { client } of open) client.destroy();
        await waitUntil('the vanished clients’ places given back', async () => events.streams === 0, 10_000);
        // Refused before they were streams: an unknown knowledge base, bad link ids.
        expect((await get(ingestionEventsPath('nowhere'))).status).toBe(404);
        expect((await get(`${ingestionEventsPath('live')}?link_ids=x`)).status).toBe(400);
        expect(events.streams).toBe(0);
      }
      const [first, second] = [openStream({ apiUrl }, 'live'), openStream({ apiUrl }, 'live')];
      await Promise.all([first.opened, second.opened]);
      running = false;
      await capped.close();
      expect(events.streams).toBe(0);
      first.source.close();
      second.source.close();
    });
  });

  it('refuses link_ids given twice with the error body, not an internal error', async () => {
    const answer = await fetch(`${stack.apiUrl}${ingestionEventsPath('live')}?link_ids=1&link_ids=2`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect({ status: answer.status, body: await answer.json() }).toMatchObject({ status: 400, body: { code: 'invalid_request', field: 'link_ids' } });
  });

  it('a client that goes while its stream is being set up leaves nothing listening behind', async () => {
    const events = stack.app.get(LinkEvents);
    const knowledgeBases = stack.app.get(KnowledgeBasesService);
    const before = events.listening;
    // The knowledge base's lookup is held until the client has gone; the real lookup then runs.
    let reached!: () => void;
    const atLookup = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const lookup = knowledgeBases.get.bind(knowledgeBases);
    let looked: Promise<unknown> | undefined;
    const gate = jest.spyOn(knowledgeBases, 'get').mockImplementationOnce(async (id) => {
      reached();
      await held;
      return (looked = lookup(id)) as ReturnType<typeof lookup>;
    });
    try {
      const { client, server } = await rawStream(stack, ingestionEventsPath('live'));
      await atLookup;
      client.destroy();
      await waitUntil('the api seeing the client go', async () => server.destroyed, 10_000);
      release();
      await waitUntil('the lookup answered', async () => looked && (await looked) && true, 10_000);
      // Everything the stream does once the lookup has answered runs before the next turn of the loop.
      await new Promise((resolve) => setImmediate(resolve));
      // A stream set up after its client went would stay subscribed (and heartbeat) forever.
      expect(events.listening).toBe(before);
    } finally {
      release();
      gate.mockRestore();
    }
  });

  it('a client that stops reading is cut off once a bounded amount of its events waits, rather than held in the api’s memory', async () => {
    const events = stack.app.get(LinkEvents);
    const { body: file } = await stack.upload('bulky.md', 'The lighthouse lamp is cleaned on Mondays.', { knowledgebase_id: 'live' });
    const link = (await stack.app.get(LinksRepository).find((await stack.link(file.uuid, 'live')).link_id))!;
    const before = events.listening;
    const streamsBefore = events.streams;
    const { client } = await rawStream(stack, ingestionEventsPath('live'));
    await once(client, 'data'); // the status line, headers and retry field
    client.pause();
    await waitUntil('the stream listening', async () => events.listening === before + 1, 10_000);
    // Changes of 100 kB each (a long error), 40 MB in all: far more than the sockets' kernel buffers take.
    const bulky = { ...link, ingestion_error: 'x'.repeat(100_000) };
    for (let i = 0; i < 400 && events.listening > before; i++) {
      events.changed([bulky]);
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitUntil('the stream of the client that stopped reading cut off', async () => events.listening === before, 60_000);
    expect(events.streams).toBe(streamsBefore); // its place given back
    client.destroy();
  });

  it('a stream whose first views are more than the bound is not cut off for them while its client takes them in', async () => {
    const events = stack.app.get(LinkEvents);
    // 100 links of 100 kB views each (a long error): 10 MB of first views, far past the bound.
    const { rows } = await stack.pool.query<{ id: number }>(
      `WITH f AS (
         INSERT INTO files (uuid, title, storage_path, size)
         SELECT gen_random_uuid(), 'long-' || i, 'gs://docs/long/' || i || '-' || gen_random_uuid(), 1 FROM generate_series(1, 100) i RETURNING uuid)
       INSERT INTO file_knowledge_base_links (file_uuid, knowledgebase_id, ingestion_status, ingestion_error)
       SELECT uuid, 'live', 'failed', repeat('x', 100000) FROM f RETURNING id`,
    );
    const linkIds = rows.map((r) => r.id);
    const before = events.listening;
    const { client, server } = await rawStream(stack, ingestionEventsPath('live', linkIds));
    client.pause();
    await waitUntil('the first views waiting to be sent', async () => server.writableLength > 2 * 1024 * 1024, 30_000);
    // One change heard while they still wait: the bound counts from what the first views left unsent.
    const last = (await stack.app.get(LinksRepository).find(linkIds[0]))!;
    events.changed([{ ...last, ingestion_error: 'the last word' }]);
    let text = '';
    client.setEncoding('utf8');
    client.on('data', (chunk: string) => (text += chunk));
    client.resume();
    await waitUntil('the change after the first views', async () => text.includes('the last word'), 60_000);
    expect(text.match(/^event: ingestion$/gm)).toHaveLength(linkIds.length + 1);
    expect(events.listening).toBe(before + 1);
    client.destroy();
  });
});
