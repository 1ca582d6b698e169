import { randomUUID } from 'node:crypto';
import { parseTraceparent } from '@docingest/contracts';
import { startIngestionStack, SYSTEM_KEY, type IngestionStack } from './testing/ingestion-stack';

// What Cloud Logging would read from the service: its JSON lines, captured as written.
describe('ingestion service log lines', () => {
  let stack: IngestionStack;
  const trace = '4bf92f3577b34da6a3ce929d0e0e4736';

  let untracedPath: string;

  beforeAll(async () => {
    stack = await startIngestionStack({ LOG_LEVEL: 'info', GOOGLE_CLOUD_PROJECT: 'sample-project' });
    // Uploaded now: the GCS stand-in closes a connection idle for 5 s, which a later upload may hit.
    untracedPath = await stack.upload(`logs/${randomUUID()}.txt`, 'The ferry leaves at nine. The harbour master counts the crates.', 'text/plain');
  });
  afterAll(() => stack?.stop());

  const request = (path: string) => ({
    file_path: path,
    vector_table_name: 'kb_logs',
    file_uuid: randomUUID(),
    link_id: 5,
    embedding_provider: 'local',
    embedding_model: 'universal-sentence-encoder-lite',
    chunk_size: 200,
    chunk_overlap: 20,
    user_uuid: null,
    team_id: null,
    knowledgebase_id: 'logs',
    project_id: null,
    custom_metadata: null,
    attempt: 1,
  });
  const linesOf = (fileUuid: string) => stack.logLines.filter((l) => l.file_uuid === fileUuid);

  it('puts the caller’s trace on every line about an ingestion, with severity and message', async () => {
    const path = await stack.upload(`logs/${randomUUID()}.txt`, 'The harbour lamp is lit at dusk. The keeper writes it in the ledger.', 'text/plain');
    const body = request(path);
    const { status } = await stack.call('/ingest-file', body, { authorization: `Api-Key ${SYSTEM_KEY}`, traceparent: `00-${trace}-00f067aa0ba902b7-01` });
    expect(status).toBe(200);
    const lines = linesOf(body.file_uuid);
    expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['ingest.started', 'ingest.parsed', 'progress.final', 'ingest.completed']));
    // The moment the swap's transaction opens, which the fault suite waits for.
    expect(lines.find((l) => l.event === 'store.swap_opened')).toMatchObject({ file_uuid: body.file_uuid, link_id: body.link_id, attempt: 1, rows: 1, staged: false });
    for (const line of lines) {
      expect(line).toMatchObject({
        severity: 'INFO',
        message: expect.any(String),
        service: 'ingestion',
        trace_id: trace,
        'logging.googleapis.com/trace': `projects/sample-project/traces/${trace}`,
        'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      });
    }
    // Every callback goes back to the api under the same trace, from a span of the service's own.
    const callbacks = stack.receiver.received.filter((c) => c.fileUuid === body.file_uuid);
    expect(callbacks.map((c) => c.body.status)).toContain('completed');
    const parents = callbacks.map((c) => parseTraceparent(c.traceparent));
    expect(parents.every((p) => p?.traceId === trace && p.sampled)).toBe(true);
    expect(new Set(parents.map((p) => p?.spanId))).toEqual(new Set([expect.not.stringMatching(/^00f067aa0ba902b7$/)]));
  });

  it('gives an ingestion that came without a trace one of its own, on its lines and its callbacks', async () => {
    const body = request(untracedPath);
    const { status } = await stack.call('/ingest-file', body);
    expect(status).toBe(200);
    const lines = linesOf(body.file_uuid);
    expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['ingest.started', 'ingest.completed']));
    const own = lines[0].trace_id as string;
    expect(own).toMatch(/^[0-9a-f]{32}$/);
    expect(own).not.toBe(trace);
    for (const line of lines) expect(line).toMatchObject({ trace_id: own, 'logging.googleapis.com/trace': `projects/sample-project/traces/${own}` });
    const callbacks = stack.receiver.received.filter((c) => c.fileUuid === body.file_uuid);
    expect(callbacks.length).toBeGreaterThan(0);
    expect(callbacks.every((c) => parseTraceparent(c.traceparent)?.traceId === own)).toBe(true);
  });

  it('logs a failed request with httpRequest at WARNING, under X-Cloud-Trace-Context’s trace', async () => {
    const body = request('gs://docs/logs/missing.txt');
    const { status } = await stack.call('/ingest-file', body, { authorization: `Api-Key ${SYSTEM_KEY}`, 'x-cloud-trace-context': `${trace}/7;o=1` });
    expect(status).toBe(404);
    const requestLine = stack.logLines.find(
      (l) => (l.httpRequest as { requestUrl?: string } | undefined)?.requestUrl === '/ingest-file' && (l.httpRequest as { status: number }).status === 404,
    );
    expect(requestLine).toMatchObject({
      severity: 'WARNING',
      message: 'POST /ingest-file 404',
      httpRequest: { requestMethod: 'POST', status: 404, latency: expect.stringMatching(/^\d+\.\d{3}s$/), remoteIp: '127.0.0.1' },
      'logging.googleapis.com/trace': `projects/sample-project/traces/${trace}`,
      'logging.googleapis.com/spanId': '0000000000000007',
    });
    const lines = linesOf(body.file_uuid);
    expect(lines.every((l) => l.trace_id === trace)).toBe(true);
    expect(lines.find((l) => l.event === 'ingest.failed')).toMatchObject({
      severity: 'WARNING',
      message: 'gs://docs/logs/missing.txt does not exist',
      stage: 'downloading',
    });
  });

  it('writes no trace on a request that came without one, and no request line for a success without REQUEST_LOGS', async () => {
    const before = stack.logLines.length;
    const response = await fetch(`${stack.url}/`);
    expect(response.status).toBe(200);
    const unauthorized = await stack.call('/delete-vectors', { vector_table_name: 'kb_logs', file_uuid: randomUUID(), knowledgebase_id: 'logs' }, {});
    expect(unauthorized.status).toBe(401);
    const added = stack.logLines.slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ severity: 'WARNING', httpRequest: { requestUrl: '/delete-vectors', status: 401 } });
    expect(added[0]).not.toHaveProperty('trace_id');
  });
});
