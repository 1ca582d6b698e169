import { ServiceStartError, reasonFromOutput } from './service-failure';

describe('reasonFromOutput', () => {
  it('picks the last fatal or error log of a JSON logger (NestJS or pino levels)', () => {
    const lines = ['{"level":"log","msg":"starting"}', '{"level":"fatal","service":"api","msg":"UPLOAD_MAX_BYTES=lots is not a number"}', '{"level":30,"msg":"bye"}'];
    expect(reasonFromOutput(lines)).toBe('UPLOAD_MAX_BYTES=lots is not a number');
    expect(reasonFromOutput(['{"level":50,"msg":"cannot reach the database"}', '{"level":30,"msg":"closing"}'])).toBe('cannot reach the database');
    // Cloud Logging's severities, as both services write them.
    expect(
      reasonFromOutput(['{"severity":"CRITICAL","service":"api","message":"ADMIN_API_KEY: use at least 12 characters"}', '{"severity":"INFO","message":"bye"}']),
    ).toBe('ADMIN_API_KEY: use at least 12 characters');
  });

  it('falls back to the message of a plain stack trace, then the last line, or says there was none', () => {
    expect(reasonFromOutput(['Error: boom', '    at main (main.ts:1:1)', ''])).toBe('Error: boom');
    expect(reasonFromOutput(['listening soon', 'killed by the kernel', '  '])).toBe('killed by the kernel');
    expect(reasonFromOutput([])).toBe('it printed nothing');
  });

  it('makes one line naming the service and how it ended', () => {
    const error = new ServiceStartError('api', 1, null, ['{"level":"fatal","msg":"bad\\nconfig"}']);
    expect(error.message).toBe('api stopped before it was ready (exit code 1): bad config');
    expect(new ServiceStartError('ingestion', null, 'SIGKILL', []).message).toBe('ingestion stopped before it was ready (signal SIGKILL): it printed nothing');
  });
});
