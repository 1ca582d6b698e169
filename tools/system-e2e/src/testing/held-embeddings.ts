import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startOpenAICompatibleServer } from '@docingest/embeddings/testing';

export interface HeldEmbeddings {
  /** The API root for OPENAI_BASE_URL. */
  baseURL: string;
  /** Requests that arrive from now on wait until release(): the ingestion stays in its embed stage. */
  hold(): void;
  /** Lets every waiting and later request through. */
  release(): void;
  /** Requests waiting at the gate right now. */
  readonly waiting: number;
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage) => {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
};

/**
 * The OpenAI-compatible embeddings endpoint (OpenAI cannot run here) behind a gate the test opens
 * and closes: while it is closed, a file of an `openai` knowledge base stays `processing` in its
 * embed stage for as long as the test needs to look at it, and goes on when it opens.
 */
export async function startHeldEmbeddings(): Promise<HeldEmbeddings> {
  const upstream = await startOpenAICompatibleServer({ dimensions: 1536 });
  let open: Promise<void> = Promise.resolve();
  let openGate: () => void = () => undefined;
  let waiting = 0;

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    waiting++;
    await open;
    waiting--;
    if (res.destroyed) return; // the embedder gave up waiting and will retry
    try {
      const answer = await fetch(`${upstream.baseURL}${(req.url ?? '').replace(/^\/v1/, '')}`, {
        method: req.method,
        headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
        body: req.method === 'POST' ? body : undefined,
      });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
    } catch (error) {
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: (error as Error).message } }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    hold() {
      open = new Promise<void>((resolve) => (openGate = resolve));
    },
    release() {
      openGate();
      open = Promise.resolve();
    },
    get waiting() {
      return waiting;
    },
    async close() {
      openGate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await upstream.close();
    },
  };
}
