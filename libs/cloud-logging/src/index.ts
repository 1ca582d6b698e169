export { cloudLoggingOptions, SEVERITY } from './pino-options';
export { traceFromHeaders, traceLogFields, isTraceId, type TraceContext } from './trace-context';
export { httpRequestEntry, type HttpRequestEntry } from './http-request';
