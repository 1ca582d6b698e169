import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProgressUpdate } from '@docingest/contracts';

export interface ReceivedCallback {
  fileUuid: string;
  authorization: string | undefined;
  body: ProgressUpdate;
}

/**
 * A real HTTP server standing where the api's update-progress endpoint is, recording every
 * callback; it can answer with a chosen status to play an api that is failing.
 */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  answerStatus = 200;
  /** Every request that reached the receiver, whatever it answered. */
  attempts = 0;
  private server: Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer(async (req, res) => {
      const match = /^\/api\/v1\/files\/([^/]+)\/update-progress$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(await readBody(req)) as ProgressUpdate;
      this.attempts++;
      if (this.answerStatus < 300) this.received.push({ fileUuid: decodeURIComponent(match[1]), authorization: req.headers.authorization, body });
      res.writeHead(this.answerStatus, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
    this.server = null;
  }

  for(fileUuid: string): ProgressUpdate[] {
    return this.received.filter((c) => c.fileUuid === fileUuid).map((c) => c.body);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
