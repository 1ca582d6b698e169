import { PinoLogger } from 'nestjs-pino';
import { startApiStack, type ApiStack } from '../testing/api-stack';
import { CloudLogger, apiLoggerParams } from './cloud-logger';

// What Cloud Logging would read from the api: its JSON lines, captured as written.
describe('api log lines', () => {
  let stack: ApiStack;
  const trace = '0af7651916cd43dd8448eb211c80319c';

  beforeAll(async () => {
    stack = await startApiStack({ ingestion: false, apiEnv: { LOG_LEVEL: 'log', GOOGLE_CLOUD_PROJECT: 'sample-project' } });
  });
  afterAll(() => stack?.stop());

  it('writes start-up lines with severity and message, and Nest’s own lines as pino lines', () => {
    expect(stack.logLines.find((l) => l.event === 'installation')).toMatchObject({ severity: 'INFO', message: 'installation', service: 'api', context: 'database' });
    expect(stack.logLines.some((l) => l.severity === 'INFO' && typeof l.message === 'string' && /Nest application successfully started/.test(l.message))).toBe(true);
    expect(stack.logLines.every((l) => typeof l.severity === 'string' && !('level' in l) && !('msg' in l))).toBe(true);
  });

  it('logs a refused request with httpRequest at WARNING, under the request’s trace', async () => {
    const before = stack.logLines.length;
    const response = await fetch(`${stack.apiUrl}/api/v1/knowledge-bases`, {
      headers: { 'x-cloud-trace-context': `${trace}/42;o=1`, authorization: 'Bearer not-the-admin-key', cookie: 'docingest_session=not-a-session' },
    });
    expect(response.status).toBe(401);
    const line = stack.logLines.slice(before).find((l) => l.httpRequest);
    // Credentials never reach the log: the request line is httpRequest, not the request's headers.
    expect(JSON.stringify(stack.logLines.slice(before))).not.toMatch(/not-the-admin-key|not-a-session/);
    expect(line).not.toHaveProperty('req');
    expect(line).toMatchObject({
      severity: 'WARNING',
      message: 'GET /api/v1/knowledge-bases 401',
      httpRequest: { requestMethod: 'GET', requestUrl: '/api/v1/knowledge-bases', status: 401, latency: expect.stringMatching(/^\d+\.\d{3}s$/) },
      trace_id: trace,
      'logging.googleapis.com/trace': `projects/sample-project/traces/${trace}`,
      'logging.googleapis.com/spanId': '000000000000002a',
    });
  });

  it('writes no request line for a success without REQUEST_LOGS', async () => {
    const before = stack.logLines.length;
    expect((await fetch(`${stack.apiUrl}/health`)).status).toBe(200);
    expect(stack.logLines.slice(before).filter((l) => l.httpRequest)).toEqual([]);
  });

  it('turns a Logger call site’s JSON string into fields, not a string inside message', () => {
    const params = apiLoggerParams({ LOG_LEVEL: 'log', REQUEST_LOGS: false, GOOGLE_CLOUD_PROJECT: '' });
    const logger = new CloudLogger(new PinoLogger(params), params);
    const before = stack.logLines.length;
    logger.warn(JSON.stringify({ event: 'dispatch.failed', link_id: 7, message: 'connection refused' }), 'IngestionProcessor');
    logger.log('plain text stays text', 'Somewhere');
    expect(stack.logLines.slice(before)).toEqual([
      expect.objectContaining({ severity: 'WARNING', event: 'dispatch.failed', link_id: 7, message: 'connection refused', context: 'IngestionProcessor' }),
      expect.objectContaining({ severity: 'INFO', message: 'plain text stays text', context: 'Somewhere' }),
    ]);
  });
});
