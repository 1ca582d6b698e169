import { newTraceId, parseTraceparent, TRACEPARENT_HEADER } from '@docingest/contracts';

/** The trace a request belongs to, as Cloud Run's front end or a caller passed it on. */
export interface TraceContext {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** The caller's span, 16 hex digits (X-Cloud-Trace-Context's decimal id is converted). */
  spanId?: string;
  sampled?: boolean;
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * Reads `traceparent` (W3C) or `X-Cloud-Trace-Context` (`TRACE_ID/SPAN_ID;o=1`). A malformed or
 * all-zero id counts as no trace: a caller's typo must not merge unrelated stories.
 */
export function traceFromHeaders(headers: Headers): TraceContext | undefined {
  const traceparent = parseTraceparent(single(headers[TRACEPARENT_HEADER]));
  if (traceparent) return traceparent;
  const cloud = single(headers['x-cloud-trace-context']);
  if (cloud) {
    const match = /^([0-9a-fA-F]{32})(?:\/(\d+))?(?:;o=([01]))?$/.exec(cloud.trim());
    if (match && !/^0+$/.test(match[1])) {
      const span = match[2] && BigInt(match[2]) > 0n && BigInt(match[2]) < 2n ** 64n ? BigInt(match[2]).toString(16).padStart(16, '0') : undefined;
      return { traceId: match[1].toLowerCase(), spanId: span, sampled: match[3] === undefined ? undefined : match[3] === '1' };
    }
  }
  return undefined;
}

/** The request's trace, or a new one when it came without: work it starts is then still one story. */
export function traceFromHeadersOrNew(headers: Headers): TraceContext {
  return traceFromHeaders(headers) ?? { traceId: newTraceId() };
}

/**
 * The fields Cloud Logging groups a line by: `logging.googleapis.com/trace` needs the project
 * (`projects/<id>/traces/<trace>`); `trace_id` is the bare id, for a filter anywhere else.
 */
export function traceLogFields(trace: TraceContext | undefined, projectId: string | undefined): Record<string, string | boolean> {
  if (!trace) return {};
  const fields: Record<string, string | boolean> = { trace_id: trace.traceId };
  if (projectId) fields['logging.googleapis.com/trace'] = `projects/${projectId}/traces/${trace.traceId}`;
  if (trace.spanId) fields['logging.googleapis.com/spanId'] = trace.spanId;
  if (trace.sampled !== undefined) fields['logging.googleapis.com/trace_sampled'] = trace.sampled;
  return fields;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
