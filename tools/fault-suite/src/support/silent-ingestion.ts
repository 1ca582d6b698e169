import { readBody, startLoopbackServer } from '@docingest/contracts/testing';

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
  const loopback = await startLoopbackServer(async (req, res) => {
    const text = (await readBody(req)).toString('utf8');
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    const entry = { authorization: req.headers.authorization, body, closedByCaller: false };
    received.push(entry);
    res.on('close', () => {
      entry.closedByCaller = !res.writableEnded;
    });
  });
  return { url: loopback.url, received, close: loopback.close };
}
