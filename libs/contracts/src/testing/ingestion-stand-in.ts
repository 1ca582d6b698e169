import { request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { readBody, startLoopbackServer, type LoopbackServer } from './loopback-server';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** Date.now() when the whole request had arrived. */
  at: number;
  /** The connection closed before the stand-in answered: the caller hung up (its own timeout), or stop() dropped it. */
  closedUnanswered: boolean;
}

/** What the stand-in does with one request; `raw` is the body as received. */
export type Responder = (request: ReceivedRequest, response: ServerResponse, raw: Buffer) => void;

/** Accepts the request and never answers: an ingestion still running, or a service that hangs. */
export const hang: Responder = () => undefined;

/** Answers every request with this status and JSON body (or text when `body` is a string). */
export function answer(status: number, body: unknown): Responder {
  return (_request, response) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', connection: 'close' });
    response.end(text);
  };
}

/** Passes the request to the real service untouched and its answer back. */
export function proxyTo(baseUrl: string): Responder {
  return (request, response, raw) => {
    const target = new URL(request.path, baseUrl);
    const upstream = httpRequest(target, { method: request.method, headers: { ...request.headers, host: target.host, connection: 'close' } }, (answered) => {
      response.writeHead(answered.statusCode ?? 502, { ...answered.headers, connection: 'close' });
      answered.pipe(response);
    });
    upstream.on('error', (error) => response.destroy(error));
    upstream.end(raw);
  };
}

/**
 * A loopback HTTP server standing where the ingestion service is (docs/wire-contract.md#ingest-file):
 * it records every request and answers as the test says (by default never: a hung service, or
 * one whose answer the test writes itself), so a test decides what "the service" does.
 */
export class IngestionStandIn {
  readonly received: ReceivedRequest[] = [];
  /** Responses still open (requests that were not answered), oldest first. */
  readonly open: Array<{ request: ReceivedRequest; response: ServerResponse }> = [];
  respond: Responder = hang;
  private loopback: LoopbackServer | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens on a free port, or again on the one it had before stop(). */
  async start(): Promise<this> {
    this.loopback = await startLoopbackServer(async (incoming, response) => {
      const raw = await readBody(incoming);
      let body: unknown = raw.toString('utf8');
      try {
        body = JSON.parse(body as string);
      } catch {
        // not JSON: kept as text
      }
      const request: ReceivedRequest = {
        method: incoming.method ?? '',
        path: incoming.url ?? '',
        headers: incoming.headers,
        body,
        at: Date.now(),
        closedUnanswered: false,
      };
      this.received.push(request);
      const entry = { request, response };
      this.open.push(entry);
      response.on('close', () => {
        request.closedUnanswered = !response.writableEnded;
        const at = this.open.indexOf(entry);
        if (at >= 0) this.open.splice(at, 1);
      });
      this.respond(request, response, raw);
    }, this.port);
    this.port = this.loopback.port;
    return this;
  }

  /** Requests to /ingest-file, in arrival order. */
  get dispatches(): ReceivedRequest[] {
    return this.received.filter((r) => r.path === '/ingest-file');
  }

  /** The still unanswered dispatch of this link and attempt. */
  pendingDispatch(linkId: number, attempt: number): ServerResponse | undefined {
    return this.open.find((o) => o.request.body?.link_id === linkId && o.request.body?.attempt === attempt)?.response;
  }

  /** Stops listening and drops every connection: the port is then closed to new requests; start() opens it again. */
  async stop(): Promise<void> {
    const loopback = this.loopback;
    this.loopback = undefined;
    await loopback?.close();
  }
}
