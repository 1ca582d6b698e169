export { cloudLoggingOptions, SEVERITY } from './pino-options';
export { traceFromHeaders, traceFromHeadersOrNew, traceLogFields, type TraceContext } from './trace-context';
export { httpRequestEntry, type HttpRequestEntry } from './http-request';
