import pino from 'pino';
import { cloudLoggingOptions, httpRequestEntry, traceFromHeaders, traceFromHeadersOrNew, traceLogFields } from './index';

/** A real pino logger with these options, its lines parsed as Cloud Logging would read them. */
function capture(level = 'debug') {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(cloudLoggingOptions({ service: 'svc', level }), { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('pino lines for Cloud Logging', () => {
  it('writes severity, message, an RFC 3339 time and the service, never a numeric level', () => {
    const { logger, lines } = capture();
    logger.debug('d');
    logger.info({ file_uuid: 'f-1' }, 'stored 3 chunks');
    logger.warn('w');
    logger.error({ err: new Error('boom') }, 'failed');
    logger.fatal('f');
    expect(lines.map((l) => l.severity)).toEqual(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
    expect(lines[1]).toMatchObject({ message: 'stored 3 chunks', file_uuid: 'f-1', service: 'svc' });
    expect(lines.every((l) => !('level' in l) && !('msg' in l))).toBe(true);
    expect(new Date(lines[0].time as string).toISOString()).toBe(lines[0].time);
    expect(lines[3]).toMatchObject({ err: { message: 'boom', type: 'Error' } });
  });

  it('gives a line logged as an event object that event as its message, and keeps a message it has', () => {
    const { logger, lines } = capture();
    logger.info({ event: 'ingest.completed', chunks: 4 });
    logger.warn({ event: 'ingest.failed', message: 'the file is encrypted' });
    expect(lines[0]).toMatchObject({ message: 'ingest.completed', event: 'ingest.completed', chunks: 4 });
    expect(lines[1]).toMatchObject({ message: 'the file is encrypted', event: 'ingest.failed' });
  });

  it('honours the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('not written');
    logger.warn('written');
    expect(lines.map((l) => l.message)).toEqual(['written']);
  });
});

describe('trace context from request headers', () => {
  const trace = '4bf92f3577b34da6a3ce929d0e0e4736';

  it('reads traceparent, with its span and sampled flag', () => {
    expect(traceFromHeaders({ traceparent: `00-${trace}-00f067aa0ba902b7-01` })).toEqual({ traceId: trace, spanId: '00f067aa0ba902b7', sampled: true });
  });

  it('reads X-Cloud-Trace-Context, converting its decimal span id', () => {
    expect(traceFromHeaders({ 'x-cloud-trace-context': `${trace.toUpperCase()}/1;o=0` })).toEqual({ traceId: trace, spanId: '0000000000000001', sampled: false });
    expect(traceFromHeaders({ 'x-cloud-trace-context': trace })).toEqual({ traceId: trace, spanId: undefined, sampled: undefined });
  });

  it('prefers traceparent, and ignores malformed or all-zero ids', () => {
    expect(traceFromHeaders({ traceparent: `00-${trace}-00f067aa0ba902b7-00`, 'x-cloud-trace-context': `${'a'.repeat(32)}/5` })?.traceId).toBe(trace);
    for (const headers of [
      { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` },
      { traceparent: 'garbage' },
      { traceparent: `ff-${trace}-00f067aa0ba902b7-01` },
      { 'x-cloud-trace-context': 'not-a-trace/1' },
      { 'x-cloud-trace-context': `${'0'.repeat(32)}/1` },
      {},
    ]) {
      expect(traceFromHeaders(headers)).toBeUndefined();
    }
  });

  it('starts a trace of its own for a request that came without one, and keeps one it came with', () => {
    const first = traceFromHeadersOrNew({});
    const second = traceFromHeadersOrNew({ traceparent: 'garbage' });
    expect(first.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(second.traceId).not.toBe(first.traceId);
    expect(first.spanId).toBeUndefined();
    expect(traceFromHeadersOrNew({ 'x-cloud-trace-context': `${trace}/1` }).traceId).toBe(trace);
  });

  it('names the trace for Cloud Logging when the project is known, and always gives the bare id', () => {
    expect(traceLogFields({ traceId: trace, spanId: '00f067aa0ba902b7', sampled: true }, 'sample-project')).toEqual({
      trace_id: trace,
      'logging.googleapis.com/trace': `projects/sample-project/traces/${trace}`,
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
    expect(traceLogFields({ traceId: trace }, undefined)).toEqual({ trace_id: trace });
    expect(traceLogFields(undefined, 'sample-project')).toEqual({});
  });
});

describe('httpRequest', () => {
  it('is the request as Cloud Logging’s request log shows it, latency in seconds', () => {
    expect(
      httpRequestEntry({
        method: 'POST',
        url: '/ingest-file',
        status: 401,
        latencyMs: 12.4,
        userAgent: 'curl/8',
        remoteIp: '10.0.0.1',
        responseBytes: 97,
        httpVersion: '1.1',
      }),
    ).toEqual({
      httpRequest: {
        requestMethod: 'POST',
        requestUrl: '/ingest-file',
        status: 401,
        latency: '0.012s',
        userAgent: 'curl/8',
        remoteIp: '10.0.0.1',
        responseSize: '97',
        protocol: 'HTTP/1.1',
      },
    });
  });
});
