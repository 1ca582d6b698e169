/** Cloud Logging's `httpRequest` field: one request, as its request log would show it. */
export interface HttpRequestEntry {
  requestMethod: string;
  requestUrl: string;
  status: number;
  /** Seconds with a trailing "s", e.g. "0.042s". */
  latency: string;
  userAgent?: string;
  remoteIp?: string;
  responseSize?: string;
  protocol?: string;
}

export function httpRequestEntry(request: {
  method: string;
  url: string;
  status: number;
  latencyMs: number;
  userAgent?: string;
  remoteIp?: string;
  responseBytes?: number | string;
  httpVersion?: string;
}): { httpRequest: HttpRequestEntry } {
  const entry: HttpRequestEntry = {
    requestMethod: request.method,
    requestUrl: request.url,
    status: request.status,
    latency: `${(Math.max(0, request.latencyMs) / 1000).toFixed(3)}s`,
  };
  if (request.userAgent) entry.userAgent = request.userAgent;
  if (request.remoteIp) entry.remoteIp = request.remoteIp;
  if (request.responseBytes !== undefined && request.responseBytes !== '') entry.responseSize = String(request.responseBytes);
  if (request.httpVersion) entry.protocol = `HTTP/${request.httpVersion}`;
  return { httpRequest: entry };
}
