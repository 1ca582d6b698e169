import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A test server on 127.0.0.1, stopped with every connection it still holds. */
export interface LoopbackServer {
  server: Server;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (a free port unless one is given, e.g. to come back on the same port), as
 * every stand-in of the tests does: an embedding API, the api's callback endpoint, the service.
 */
export async function startLoopbackServer(handler: RequestListener, port = 0): Promise<LoopbackServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const listening = (server.address() as AddressInfo).port;
  return {
    server,
    port: listening,
    url: `http://127.0.0.1:${listening}`,
    // closeAllConnections: a held or kept-alive request must not keep the test waiting.
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The whole body of a request, as it came. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}
