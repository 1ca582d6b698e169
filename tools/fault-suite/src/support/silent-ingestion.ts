import { createServer, type ServerResponse } from 'node:http';

export interface SilentIngestion {
  url: string;
  /** Bodies of the /ingest-file requests received, with their Authorization header. */
  readonly received: Array<{ authorization: string | undefined; body: any; closedByCaller: boolean }>;
  close(): Promise<void>;
}

/**
 * A stand-in for an ingestion service that takes a request and never answers (a hung instance,
 * a pipeline stuck on a dependency): the caller's own timeout is all that can end it.
 */
export async function startSilentIngestion(): Promise<SilentIngestion> {
  const received: SilentIngestion['received'] = [];
  const held = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8'));
      } catch {
        body = Buffer.concat(parts).toString('utf8');
      }
      const entry = { authorization: req.headers.authorization, body, closedByCaller: false };
      received.push(entry);
      held.add(res);
      res.on('close', () => {
        entry.closedByCaller = !res.writableEnded;
        held.delete(res);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
