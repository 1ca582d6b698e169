import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** Date.now() when the whole request had arrived. */
  at: number;
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
 * A loopback HTTP server the api is pointed at instead of the ingestion service: it records every
 * request and answers as the test says, so a test decides what "the service" does.
 */
export class IngestionStandIn {
  readonly received: ReceivedRequest[] = [];
  /** Responses still open (requests that were not answered), oldest first. */
  readonly open: Array<{ request: ReceivedRequest; response: ServerResponse }> = [];
  respond: Responder = hang;
  private server: Server | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const raw = Buffer.concat(chunks);
        let body: unknown = raw.toString('utf8');
        try {
          body = JSON.parse(body as string);
        } catch {
          // not JSON: kept as text
        }
        const request: ReceivedRequest = { method: incoming.method ?? '', path: incoming.url ?? '', headers: incoming.headers, body, at: Date.now() };
        this.received.push(request);
        const entry = { request, response };
        this.open.push(entry);
        response.on('close', () => {
          const at = this.open.indexOf(entry);
          if (at >= 0) this.open.splice(at, 1);
        });
        this.respond(request, response, raw);
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
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
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
