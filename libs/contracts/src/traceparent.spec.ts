import { formatTraceparent, isTraceId, newSpanId, newTraceId, parseTraceparent } from './index';

describe('traceparent', () => {
  const trace = '4bf92f3577b34da6a3ce929d0e0e4736';

  it('reads the trace, the parent span and the sampled flag', () => {
    expect(parseTraceparent(`00-${trace}-00f067aa0ba902b7-01`)).toEqual({ traceId: trace, spanId: '00f067aa0ba902b7', sampled: true });
    expect(parseTraceparent(` 00-${trace.toUpperCase()}-00F067AA0BA902B7-02 `)).toEqual({ traceId: trace, spanId: '00f067aa0ba902b7', sampled: false });
  });

  it('refuses what is not a trace: malformed, version ff, all-zero ids', () => {
    for (const value of [
      undefined,
      '',
      'garbage',
      `00-${trace}-00f067aa0ba902b7`,
      `ff-${trace}-00f067aa0ba902b7-01`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${trace}-${'0'.repeat(16)}-01`,
      `00-${trace}x-00f067aa0ba902b7-01`,
    ]) {
      expect(parseTraceparent(value)).toBeUndefined();
    }
  });

  it('writes what it reads back, with a fresh span unless given one', () => {
    expect(parseTraceparent(formatTraceparent(trace, '00f067aa0ba902b7', false))).toEqual({ traceId: trace, spanId: '00f067aa0ba902b7', sampled: false });
    const a = parseTraceparent(formatTraceparent(trace));
    const b = parseTraceparent(formatTraceparent(trace));
    expect(a).toMatchObject({ traceId: trace, sampled: true });
    expect(a!.spanId).not.toBe(b!.spanId);
  });

  it('makes new ids of the right shape, different each time', () => {
    const ids = new Set(Array.from({ length: 50 }, newTraceId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(isTraceId(id)).toBe(true);
    expect(newSpanId()).toMatch(/^[0-9a-f]{16}$/);
    expect(isTraceId('0'.repeat(32))).toBe(false);
    expect(isTraceId(trace.toUpperCase())).toBe(false);
    expect(isTraceId(42)).toBe(false);
  });
});
