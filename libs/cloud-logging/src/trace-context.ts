/** The trace a request belongs to, as Cloud Run's front end or a caller passed it on. */
export interface TraceContext {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** The caller's span, 16 hex digits (X-Cloud-Trace-Context's decimal id is converted). */
  spanId?: string;
  sampled?: boolean;
}

const TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * Reads `traceparent` (W3C) or `X-Cloud-Trace-Context` (`TRACE_ID/SPAN_ID;o=1`). A malformed or
 * all-zero id counts as no trace: a caller's typo must not merge unrelated stories.
 */
export function traceFromHeaders(headers: Record<string, string | string[] | undefined>): TraceContext | undefined {
  const traceparent = single(headers['traceparent']);
  if (traceparent) {
    const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent.trim().toLowerCase());
    if (match && match[1] !== 'ff' && !/^0+$/.test(match[2]) && !/^0+$/.test(match[3])) {
      return { traceId: match[2], spanId: match[3], sampled: (parseInt(match[4], 16) & 1) === 1 };
    }
  }
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

/** A trace id of its own, for work no request with a trace started. */
export function isTraceId(value: unknown): value is string {
  return typeof value === 'string' && TRACE_ID.test(value) && !/^0+$/.test(value);
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
