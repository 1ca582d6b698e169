import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, startLoopbackServer, type LoopbackServer } from '@docingest/contracts/testing';

interface Held {
  body: any;
  /** The api's answer, for a callback held after it. */
  answer?: { status: number; body: any };
  release: () => void;
}

/**
 * Stands between the ingestion service and the api's update-progress endpoint: passes every
 * callback on, but can hold one (before it reaches the api, or after the api answered and
 * before the service hears the answer), so a test decides exactly when the two sides meet.
 */
export class CallbackGate {
  target = '';
  /** Every callback body that reached the gate, in arrival order. */
  readonly seen: any[] = [];
  private loopback: LoopbackServer | undefined;
  private rules: Array<{ when: 'before' | 'after'; match: (body: any) => boolean; held: (h: Held) => void }> = [];

  get url(): string {
    return this.loopback?.url ?? 'http://127.0.0.1:0';
  }

  async start(port = 0): Promise<this> {
    this.loopback = await startLoopbackServer((request, response) => void this.pass(request, response), port);
    return this;
  }

  /** Resolves with the next callback matching `match`, held at `when`; call `release` to let it go on. */
  hold(when: 'before' | 'after', match: (body: any) => boolean): Promise<Held> {
    return new Promise((resolve) => this.rules.push({ when, match, held: resolve }));
  }

  private take(when: 'before' | 'after', body: any, answer?: Held['answer']): Promise<void> | undefined {
    const at = this.rules.findIndex((r) => r.when === when && r.match(body));
    if (at < 0) return undefined;
    const [rule] = this.rules.splice(at, 1);
    return new Promise<void>((release) => rule.held({ body, answer, release }));
  }

  private async pass(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readBody(request);
    let body: any = null;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      // not JSON: passed on as it is
    }
    this.seen.push(body);
    try {
      await this.take('before', body);
      const answered = await fetch(`${this.target}${request.url}`, {
        method: request.method,
        headers: { 'content-type': String(request.headers['content-type'] ?? 'application/json'), authorization: String(request.headers.authorization ?? '') },
        body: request.method === 'GET' ? undefined : new Uint8Array(raw),
      });
      const text = await answered.text();
      let answerBody: unknown = text;
      try {
        answerBody = JSON.parse(text);
      } catch {
        // kept as text
      }
      await this.take('after', body, { status: answered.status, body: answerBody });
      response.writeHead(answered.status, { 'content-type': answered.headers.get('content-type') ?? 'application/json' }).end(text);
    } catch (error) {
      response.writeHead(502).end(String(error));
    }
  }

  async stop(): Promise<void> {
    const loopback = this.loopback;
    this.loopback = undefined;
    await loopback?.close();
  }
}
