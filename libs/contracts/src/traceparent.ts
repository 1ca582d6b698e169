import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context's `traceparent` header (`00-<trace id>-<parent span id>-<flags>`): how one
 * ingestion's trace rides on `/ingest-file` and on every progress callback
 * (docs/wire-contract.md#trace).
 */
export const TRACEPARENT_HEADER = 'traceparent';

export interface Traceparent {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
const ALL_ZERO = /^0+$/;

/** A header value as a trace, or undefined when malformed: a typo must not merge unrelated stories. */
export function parseTraceparent(value: string | undefined): Traceparent | undefined {
  const match = value ? TRACEPARENT.exec(value.trim().toLowerCase()) : null;
  // Version ff is forbidden; a later version keeps this layout for its first four fields.
  if (!match || match[1] === 'ff' || ALL_ZERO.test(match[2]) || ALL_ZERO.test(match[3])) return undefined;
  return { traceId: match[2], spanId: match[3], sampled: (parseInt(match[4], 16) & 1) === 1 };
}

export function formatTraceparent(traceId: string, spanId: string = newSpanId(), sampled = true): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

export function isTraceId(value: unknown): value is string {
  return typeof value === 'string' && TRACE_ID.test(value) && !ALL_ZERO.test(value);
}

/** A trace of its own, for work no caller's trace started. */
export function newTraceId(): string {
  return nonZeroHex(16);
}

/** A span id: the sender's own part of the trace. */
export function newSpanId(): string {
  return nonZeroHex(8);
}

function nonZeroHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex');
    if (!ALL_ZERO.test(hex)) return hex;
  }
}
