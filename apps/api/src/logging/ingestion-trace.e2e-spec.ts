import { waitUntil } from '@docingest/contracts/testing';
import { ADMIN_KEY, startApiStack, type ApiStack } from '../testing/api-stack';

type Line = Record<string, unknown>;

/**
 * One ingestion's story as Cloud Logging would show it (docs/wire-contract.md#trace): the real
 * api and the real ingestion service, every JSON line each wrote, and the one trace that must
 * join all the lines about a file.
 */
describe('one trace per ingestion, across the api and the ingestion service', () => {
  let stack: ApiStack;
  const project = 'sample-project';
  const incoming = '0af7651916cd43dd8448eb211c80319c';
  const KB = 'traced';

  beforeAll(async () => {
    // Every request logged too, so the callbacks' own request lines are part of the story.
    stack = await startApiStack({
      apiEnv: { LOG_LEVEL: 'debug', REQUEST_LOGS: 'true', GOOGLE_CLOUD_PROJECT: project },
      ingestion: { env: { LOG_LEVEL: 'info', REQUEST_LOGS: 'true', GOOGLE_CLOUD_PROJECT: project } },
    });
    await stack.createKnowledgeBase(KB);
  });
  afterAll(() => stack?.stop());

  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  /** Polled by link, so the poller's own request lines do not name the file. */
  async function finalLink(linkId: number) {
    return waitUntil(
      `link ${linkId} to end`,
      async () => {
        const response = await fetch(`${stack.apiUrl}/api/v1/ingestions/${linkId}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        const link = (await response.json()) as any;
        return ['completed', 'failed'].includes(link.ingestion_status) ? link : undefined;
      },
      90_000,
    );
  }

  /** Every line that mentions the file: by its fields, or anywhere in its text (a request URL). */
  const mentions = (fileUuid: string, linkId: number) => (line: Line) =>
    line.file_uuid === fileUuid || line.link_id === linkId || JSON.stringify(line).includes(fileUuid);
  const events = (lines: Line[]) => lines.map((l) => l.event).filter(Boolean);
  const traceOf = (traceId: string) => ({ trace_id: traceId, 'logging.googleapis.com/trace': `projects/${project}/traces/${traceId}` });

  /** Both services' lines about the file from `from` on, once the story has ended in both. */
  async function story(fileUuid: string, linkId: number, from: { api: number; service: number }) {
    const about = mentions(fileUuid, linkId);
    // The dispatch's answer is recorded after the final callback; the service logs its end after answering.
    return waitUntil(`both services to finish logging ${fileUuid}`, async () => {
      const api = stack.logLines.slice(from.api).filter(about);
      const service = stack.ingestion!.logLines.slice(from.service).filter(about);
      return events(api).includes('dispatch.answered') && events(service).includes('ingest.completed') ? { api, service } : undefined;
    });
  }
  const marks = () => ({ api: stack.logLines.length, service: stack.ingestion!.logLines.length });

  it('keeps the admin request’s traceparent from the request to the last line of both services, and the polling endpoint returns it', async () => {
    const uploaded = await stack.upload('harbour.md', 'The harbour lamp is lit at dusk. The keeper writes it in the ledger.\n\nThe ferry leaves at nine.');
    expect(uploaded.status).toBe(201);
    const fileUuid = uploaded.body.uuid as string;
    const from = marks();
    const queued = await post('/api/v1/files/ingest-selected', { file_uuids: [fileUuid], knowledgebase_id: KB }, { traceparent: `00-${incoming}-b7ad6b7169203331-01` });
    expect(queued.status).toBe(201);
    expect(queued.body.queued[0]).toMatchObject({ file_uuid: fileUuid, trace_id: incoming });
    const linkId = queued.body.queued[0].link_id as number;

    const link = await finalLink(linkId);
    expect(link).toMatchObject({ ingestion_status: 'completed', attempt: 1, trace_id: incoming });
    const { api, service } = await story(fileUuid, linkId, from);

    expect(events(api)).toEqual(expect.arrayContaining(['ingestion.queued', 'dispatch.sent', 'progress.applied', 'progress.final', 'dispatch.answered']));
    expect(events(service)).toEqual(expect.arrayContaining(['ingest.started', 'ingest.parsed', 'progress.final', 'ingest.completed']));
    // The callbacks' and the dispatch's own request lines are in the story too.
    expect(api.some((l) => (l.httpRequest as { requestUrl?: string } | undefined)?.requestUrl === `/api/v1/files/${fileUuid}/update-progress`)).toBe(true);
    expect(service.some((l) => (l.httpRequest as { requestUrl?: string } | undefined)?.requestUrl === '/ingest-file')).toBe(true);
    for (const line of [...api, ...service]) expect({ event: line.event ?? line.message, ...line }).toMatchObject(traceOf(incoming));
    // The request that started it logged under the same trace.
    const started = stack.logLines.slice(from.api).find((l) => (l.httpRequest as { requestUrl?: string } | undefined)?.requestUrl === '/api/v1/files/ingest-selected');
    expect(started).toMatchObject(traceOf(incoming));
  });

  it('gives a re-ingestion the trace of its own request, one made for it when the request brought none', async () => {
    const uploaded = await stack.upload('ledger.md', 'Every crate is counted twice. The second count is written in red ink.');
    const fileUuid = uploaded.body.uuid as string;
    const first = await post('/api/v1/files/ingest-selected', { file_uuids: [fileUuid], knowledgebase_id: KB }, { 'x-cloud-trace-context': `${incoming}/1;o=1` });
    const linkId = first.body.queued[0].link_id as number;
    expect(first.body.queued[0].trace_id).toBe(incoming);
    await finalLink(linkId);
    await story(fileUuid, linkId, { api: 0, service: 0 });

    const from = marks();
    const again = await post(`/api/v1/files/${fileUuid}/reingest`, { knowledgebase_id: KB });
    expect(again.status).toBe(201);
    const own = again.body.trace_id as string;
    expect(own).toMatch(/^[0-9a-f]{32}$/);
    expect(own).not.toBe(incoming);
    const link = await finalLink(linkId);
    expect(link).toMatchObject({ ingestion_status: 'completed', attempt: 2, trace_id: own });
    const { api, service } = await story(fileUuid, linkId, from);
    expect(events(service)).toContain('ingest.started');
    for (const line of [...api, ...service]) expect({ event: line.event ?? line.message, ...line }).toMatchObject(traceOf(own));
  });
});
