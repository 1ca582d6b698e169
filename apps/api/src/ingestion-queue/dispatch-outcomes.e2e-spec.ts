import * as fixtures from '@docingest/document-parsing/testing';
import { parseTraceparent } from '@docingest/contracts';
import { freePort } from '@docingest/local-redis';
import { answer, hang, proxyTo, type Responder, waitUntil } from '@docingest/contracts/testing';
import { useApiStack } from '../testing/use-api-stack';

/**
 * What the dispatch's own answer does to a link. The api talks to a stand-in that either answers
 * as a test says or passes requests to the real ingestion service, whose callbacks go to a closed
 * port: whatever the link ends as here, the answer to /ingest-file decided it.
 */
describe('dispatch outcomes: the answer to /ingest-file is recorded on the link', () => {
  const { stack, standIn } = useApiStack(async () => ({
    standIn: hang,
    ingestion: { env: { API_URL: `http://127.0.0.1:${await freePort()}`, CALLBACK_FINAL_RETRY_MS: '300' } },
    // Refused attempts are sent again quickly and given up after a few seconds here.
    apiEnv: { SHUTDOWN_GRACE_MS: '200', DISPATCH_RETRY_DEADLINE_MS: '2000', DISPATCH_RETRY_BASE_MS: '100', DISPATCH_RETRY_MAX_MS: '400' },
    knowledgeBases: ['manuals'],
  }));

  /** Uploads and queues a file with the stand-in answering as `respond` says; resolves with its final link. */
  async function ingestWith(respond: Responder, name: string, data: Uint8Array | string) {
    standIn.respond = respond;
    const uploaded = await stack.upload(name, data, { knowledgebase_id: 'manuals', auto_ingest: 'true' });
    expect(uploaded.status).toBe(201);
    const link = await stack.waitForFinal(uploaded.body.uuid, 'manuals', 60_000);
    return { uuid: uploaded.body.uuid as string, link };
  }

  it('records a 4xx ErrorBody from the service as failed with its message', async () => {
    const refusal = {
      statusCode: 400,
      error: 'Bad Request',
      message: "unknown field 'custom_metadata.secret'",
      code: 'invalid_request',
      field: 'custom_metadata',
      status: 'failed',
    };
    const { link } = await ingestWith(answer(400, refusal), 'refused.md', 'text');
    expect(link).toMatchObject({ ingestion_status: 'failed', ingestion_error: refusal.message, attempt: 1 });
    expect(link.ingestion_completed_at).toEqual(expect.any(String));
  });

  it('records a 5xx without a JSON body as failed with the status code', async () => {
    const { link } = await ingestWith(answer(502, '<html>Bad Gateway</html>'), 'gateway.md', 'text');
    expect(link).toMatchObject({ ingestion_status: 'failed' });
    expect(link.ingestion_error).toMatch(/answered HTTP 502/);
  });

  it('records a 200 that reports a failure as failed with the reported error', async () => {
    const outcome = { status: 'failed', file_uuid: '', link_id: null, chunks: 0, pages: 0, pages_skipped: 0, error: 'embedding quota exhausted' };
    const { link } = await ingestWith(answer(200, outcome), 'quota.md', 'text');
    expect(link).toMatchObject({ ingestion_status: 'failed', ingestion_error: 'embedding quota exhausted' });
  });

  it('sends an attempt again when the connection drops before the service took it, and fails it with the reason at the retry deadline', async () => {
    const before = standIn.dispatches.length;
    const { link } = await ingestWith((_request, response) => response.socket?.destroy(), 'dropped.md', 'text');
    expect(link).toMatchObject({ ingestion_status: 'failed', attempt: 1 });
    expect(link.ingestion_error).toMatch(
      /connection to the ingestion service broke before it answered .*; gave up after \d+ tries over 2 s \(DISPATCH_RETRY_DEADLINE_MS\)/,
    );
    expect(link.dispatch_retries).toBeGreaterThanOrEqual(1);
    expect(standIn.dispatches.length - before).toBe(link.dispatch_retries + 1);
    expect(link.ingestion_history.every((h: { event: string }) => h.event === 'dispatch_retried')).toBe(true);
  });

  it('puts an attempt answered 429 back to pending, honours Retry-After, and completes it once the service takes it', async () => {
    // One refusal: the retry deadline (2 s here) starts at the first refusal, so a second one,
    // due 1 s (Retry-After) plus the queue's and the dispatch's latency later, would race it on a
    // loaded machine and fail the attempt at the deadline.
    let refusals = 0;
    const before = standIn.dispatches.length;
    const responder: Responder = (request, response, raw) => {
      if (refusals < 1) {
        refusals++;
        response.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain', connection: 'close' }).end('Rate exceeded.');
        return;
      }
      proxyTo(stack.ingestion!.url)(request, response, raw);
    };
    standIn.respond = responder;
    const uploaded = await stack.upload('busy.md', 'The pump is inspected every Monday by the day shift.', { knowledgebase_id: 'manuals', auto_ingest: 'true' });
    const seen = new Set<string>();
    const link = await waitUntil(
      'a final status',
      async () => {
        const current = await stack.link(uploaded.body.uuid, 'manuals');
        seen.add(current.ingestion_status);
        return ['completed', 'failed'].includes(current.ingestion_status) ? current : undefined;
      },
      60_000,
    );
    expect(link).toMatchObject({ ingestion_status: 'completed', attempt: 1, dispatch_retries: 1, ingestion_error: null });
    expect(link.ingestion_history).toEqual([expect.objectContaining({ event: 'dispatch_retried', reason: 'the ingestion service answered HTTP 429' })]);
    // Retry-After: 1 second between the refusal and the next send (the backoff alone would be 50-100 ms).
    const sends = standIn.dispatches.slice(before).map((d) => d.at);
    expect(sends).toHaveLength(2);
    expect(sends[1] - sends[0]).toBeGreaterThanOrEqual(950);
    // The re-send is the same attempt, under the same trace, from a span of its own.
    const parents = standIn.dispatches.slice(before).map((d) => parseTraceparent(d.headers.traceparent as string));
    expect(parents.map((p) => p?.traceId)).toEqual([link.trace_id, link.trace_id]);
    expect(link.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(parents.map((p) => p?.spanId)).size).toBe(2);
    expect(seen.has('failed')).toBe(false);
    expect(await stack.vectorRows('manuals', uploaded.body.uuid)).toBe(link.chunk_count);
  });

  it('records the real service’s refusal of an unsupported file as failed with its message', async () => {
    const { uuid, link } = await ingestWith(proxyTo(stack.ingestion!.url), 'blob.bin', fixtures.buildRandomBinary(4096));
    expect(link).toMatchObject({ ingestion_status: 'failed' });
    expect(link.ingestion_error).toMatch(/^unsupported file type/);
    expect(await stack.vectorRows('manuals', uuid)).toBe(0);
  });

  it('ends completed with its chunk count from the real service’s answer when no callback arrives', async () => {
    const text = Array.from({ length: 12 }, (_, i) => `Section ${i + 1}. The pressure valve number ${i + 1} is tested every ${i + 2} weeks by the night shift.`).join(
      '\n\n',
    );
    const { uuid, link } = await ingestWith(proxyTo(stack.ingestion!.url), 'valves.md', text);
    expect(link).toMatchObject({ ingestion_status: 'completed', ingestion_progress: 100, ingestion_error: null });
    expect(link.chunk_count).toBeGreaterThanOrEqual(2);
    expect(await stack.vectorRows('manuals', uuid)).toBe(link.chunk_count);
    // No callback reached the api: a callback would have recorded a stage.
    expect(link.current_stage).toBeNull();
  });

  it('sends again while the ingestion service cannot be reached, then fails saying it is unreachable', async () => {
    await standIn.stop();
    try {
      const { link } = await ingestWith(hang, 'nowhere.md', 'text');
      expect(link).toMatchObject({ ingestion_status: 'failed' });
      expect(link.ingestion_error).toMatch(/ingestion service is unreachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); gave up after \d+ tries/);
      expect(link.dispatch_retries).toBeGreaterThanOrEqual(1);
    } finally {
      await standIn.start();
    }
  });
});
