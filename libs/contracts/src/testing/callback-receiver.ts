import type { ProgressUpdate } from '../schemas';
import { readBody, startLoopbackServer, type LoopbackServer } from './loopback-server';

export interface ReceivedCallback {
  fileUuid: string;
  authorization: string | undefined;
  /** The ingestion's trace (docs/wire-contract.md#trace). */
  traceparent: string | undefined;
  body: ProgressUpdate;
}

/**
 * A real HTTP server standing where the api's update-progress endpoint is, recording every
 * callback; it can answer with a chosen status to play an api that is failing. With
 * `keep: false` it only counts (a benchmark's thousands of callbacks).
 */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  answerStatus = 200;
  /** The body of every answer, e.g. `{ cancel: 'removed' }` to play an api that no longer wants the attempt. */
  answerBody: unknown = {};
  /** Every request that reached the receiver, whatever it answered. */
  attempts = 0;
  private loopback: LoopbackServer | null = null;

  constructor(private readonly options: { keep?: boolean } = {}) {}

  get url(): string {
    return this.loopback?.url ?? 'http://127.0.0.1:0';
  }

  async start(port = 0): Promise<this> {
    this.loopback = await startLoopbackServer(async (req, res) => {
      const match = /^\/api\/v1\/files\/([^/]+)\/update-progress$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      const text = (await readBody(req)).toString('utf8');
      const body = this.options.keep === false ? undefined : (JSON.parse(text) as ProgressUpdate);
      this.attempts++;
      if (body && this.answerStatus < 300)
        this.received.push({
          fileUuid: decodeURIComponent(match[1]),
          authorization: req.headers.authorization,
          traceparent: typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined,
          body,
        });
      res.writeHead(this.answerStatus, { 'content-type': 'application/json' }).end(JSON.stringify(this.answerBody));
    }, port);
    return this;
  }

  async stop(): Promise<void> {
    const loopback = this.loopback;
    this.loopback = null;
    await loopback?.close();
  }

  for(fileUuid: string): ProgressUpdate[] {
    return this.received.filter((c) => c.fileUuid === fileUuid).map((c) => c.body);
  }
}
