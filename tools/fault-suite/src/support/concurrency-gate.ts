import { startLoopbackServer } from '@docingest/contracts/testing';
import { request as httpRequest } from 'node:http';

export interface ConcurrencyGate {
  url: string;
  /** Requests to /ingest-file let through / answered 429. */
  readonly admitted: number;
  readonly refused: number;
  /** Most /ingest-file requests open at the service at once. */
  readonly peak: number;
  readonly open: number;
  close(): Promise<void>;
}

/**
 * What Cloud Run does in front of a service at its limit, on loopback: `/ingest-file` requests
 * beyond `limit` open at once are answered 429 (with Retry-After) without reaching the service;
 * the others, and every other path, pass through to it untouched.
 */
export async function startConcurrencyGate(upstream: string, limit: number, retryAfterSeconds = 1): Promise<ConcurrencyGate> {
  const target = new URL(upstream);
  let open = 0;
  let peak = 0;
  let admitted = 0;
  let refused = 0;
  const loopback = await startLoopbackServer((request, response) => {
    const gated = request.url === '/ingest-file';
    if (gated && open >= limit) {
      refused++;
      request.resume();
      response.writeHead(429, { 'content-type': 'text/plain', 'retry-after': String(retryAfterSeconds), connection: 'close' }).end('Rate exceeded.');
      return;
    }
    if (gated) {
      admitted++;
      open++;
      peak = Math.max(peak, open);
    }
    let counted = gated;
    const done = () => {
      if (counted) open--;
      counted = false;
    };
    const upstreamRequest = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: { ...request.headers, host: target.host } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
        answer.on('end', done);
      },
    );
    upstreamRequest.on('error', (error) => {
      done();
      response.destroy(error);
    });
    response.on('close', done);
    request.pipe(upstreamRequest);
  });
  return {
    url: loopback.url,
    get admitted() {
      return admitted;
    },
    get refused() {
      return refused;
    },
    get peak() {
      return peak;
    },
    get open() {
      return open;
    },
    close: loopback.close,
  };
}
