import type { IncomingMessage } from 'node:http';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { traceFromHeadersOrNew, type TraceContext } from '@docingest/cloud-logging';

const traces = new WeakMap<IncomingMessage, TraceContext>();

/**
 * The request's trace: the caller's (Cloud Run's front end always passes one), or one made for it
 * once, so the request's log lines and the ingestions it starts share it (docs/wire-contract.md#trace).
 */
export function requestTrace(req: IncomingMessage): TraceContext {
  let trace = traces.get(req);
  if (!trace) {
    trace = traceFromHeadersOrNew(req.headers);
    traces.set(req, trace);
  }
  return trace;
}

/** The handled request's trace id, as a handler parameter. */
export const RequestTraceId = createParamDecorator((_data: unknown, context: ExecutionContext): string => requestTrace(context.switchToHttp().getRequest()).traceId);
