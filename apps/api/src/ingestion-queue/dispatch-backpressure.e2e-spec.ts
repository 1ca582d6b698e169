import { hang, proxyTo, waitUntil, sleep } from '@docingest/contracts/testing';
import { useApiStack } from '../testing/use-api-stack';
import { PendingDispatches } from './pending-dispatches';

const MAX_IN_FLIGHT = 2;

/**
 * MAX_IN_FLIGHT_DISPATCHES, and what "the service took the request" means: the api talks to a
 * stand-in that holds requests open (or passes them to the real ingestion service, whose
 * callbacks reach the api).
 */
describe('dispatch backpressure and acceptance', () => {
  // The real ingestion service runs too: a test can pass requests on to it (proxyTo).
  const { stack, standIn } = useApiStack({
    standIn: hang,
    ingestion: true,
    apiEnv: { MAX_IN_FLIGHT_DISPATCHES: String(MAX_IN_FLIGHT), SHUTDOWN_GRACE_MS: '200', DISPATCH_RETRY_BASE_MS: '100', DISPATCH_RETRY_MAX_MS: '400' },
    knowledgeBases: ['manuals'],
  });

  const statuses = async (uuids: string[]) => Promise.all(uuids.map(async (uuid) => (await stack.link(uuid, 'manuals')).ingestion_status as string));
  const count = (list: string[], status: string) => list.filter((s) => s === status).length;

  it(`keeps at most ${MAX_IN_FLIGHT} requests open; the other files stay pending until a slot frees`, async () => {
    standIn.respond = hang;
    const before = standIn.dispatches.length;
    const uuids: string[] = [];
    for (let i = 0; i < 5; i++) uuids.push((await stack.upload(`held-${i}.md`, `Held document ${i}.`, { knowledgebase_id: 'manuals', auto_ingest: 'true' })).body.uuid);
    await waitUntil(`${MAX_IN_FLIGHT} dispatches`, async () => standIn.dispatches.length - before >= MAX_IN_FLIGHT, 30_000);
    // Time for a third to slip through, if anything let it.
    await sleep(1000);
    expect(standIn.dispatches.length - before).toBe(MAX_IN_FLIGHT);
    let now = await statuses(uuids);
    expect({ processing: count(now, 'processing'), pending: count(now, 'pending') }).toEqual({ processing: MAX_IN_FLIGHT, pending: 5 - MAX_IN_FLIGHT });

    // One answer frees one slot: exactly one more file is sent.
    const first = standIn.dispatches[before].body;
    standIn
      .pendingDispatch(first.link_id, 1)!
      .writeHead(200, { 'content-type': 'application/json' })
      .end(
        JSON.stringify({
          status: 'completed',
          file_uuid: first.file_uuid,
          link_id: first.link_id,
          chunks: 1,
          pages: 1,
          pages_skipped: 0,
          timings_ms: { download: 0, parse: 0, chunk: 0, embed: 0, store: 0, callbacks: 0, total: 0 },
        }),
      );
    await waitUntil('the next dispatch', async () => standIn.dispatches.length - before === MAX_IN_FLIGHT + 1, 30_000);
    await sleep(500);
    now = await statuses(uuids);
    expect({ completed: count(now, 'completed'), processing: count(now, 'processing'), pending: count(now, 'pending') }).toEqual({
      completed: 1,
      processing: MAX_IN_FLIGHT,
      pending: 5 - MAX_IN_FLIGHT - 1,
    });
    expect(stack.app.get(PendingDispatches).peak).toBeLessThanOrEqual(MAX_IN_FLIGHT);

    // Let the rest through so the next test starts with free slots.
    standIn.respond = (request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'completed',
          file_uuid: request.body.file_uuid,
          link_id: request.body.link_id,
          chunks: 1,
          pages: 1,
          pages_skipped: 0,
          timings_ms: { download: 0, parse: 0, chunk: 0, embed: 0, store: 0, callbacks: 0, total: 0 },
        }),
      );
    for (const open of [...standIn.open]) standIn.respond(open.request, open.response, Buffer.alloc(0));
    await waitUntil('every file completed', async () => count(await statuses(uuids), 'completed') === 5, 60_000);
  });

  it('once the service has reported on the attempt, a broken connection decides nothing: the final callback does', async () => {
    let cut = false;
    const before = standIn.dispatches.length;
    standIn.respond = (request, response, raw) => {
      proxyTo(stack.ingestion!.url)(request, response, raw);
      // Cut the api's connection as soon as the service's first callback was recorded.
      void waitUntil(
        'the attempt to be accepted',
        async () => {
          const { rows } = await stack.pool.query('SELECT accepted_at FROM file_knowledge_base_links WHERE id = $1', [request.body.link_id]);
          return rows[0]?.accepted_at != null;
        },
        60_000,
      ).then(
        () => {
          cut = true;
          response.socket?.destroy();
        },
        () => undefined,
      );
    };
    const text = Array.from({ length: 8 }, (_, i) => `Paragraph ${i + 1}. The cooling loop ${i + 1} is flushed every ${i + 3} days.`).join('\n\n');
    const uploaded = await stack.upload('accepted.md', text, { knowledgebase_id: 'manuals', auto_ingest: 'true' });
    const link = await stack.waitForFinal(uploaded.body.uuid, 'manuals', 90_000);
    expect(cut).toBe(true);
    expect(link).toMatchObject({ ingestion_status: 'completed', ingestion_error: null, dispatch_retries: 0, ingestion_history: [] });
    expect(standIn.dispatches.length - before).toBe(1);
    expect(await stack.vectorRows('manuals', uploaded.body.uuid)).toBe(link.chunk_count);
  }, 300_000);
});
