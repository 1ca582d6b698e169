import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stands where the api's update-progress endpoint is: answers 200 at once (so callbacks cost the
 * service only their own round trip) and counts what arrives.
 */
export class CallbackCounter {
  received = 0;
  completed = 0;
  failed = 0;
  private server: Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => {
        this.received++;
        try {
          const status = (JSON.parse(Buffer.concat(parts).toString('utf8')) as { status?: string }).status;
          if (status === 'completed') this.completed++;
          if (status === 'failed') this.failed++;
        } catch {
          // counted as received; the body is the service's business
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  reset(): void {
    this.received = this.completed = this.failed = 0;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
    this.server = null;
  }
}
