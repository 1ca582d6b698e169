import { connect, type Socket } from 'node:net';

/** Frontend messages for a client that does what `pg` never would (stop before Sync, Parse alone). */
export function typed(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}
export const parse = (sql: string, name = '') => typed('P', Buffer.concat([Buffer.from(`${name}\0${sql}\0`), Buffer.alloc(2)]));
/** Bind with no parameters or formats. */
export const bind = (statement = '') => typed('B', Buffer.concat([Buffer.from(`\0${statement}\0`), Buffer.alloc(6)]));
/** Bind with text parameters (unnamed portal). */
export function bindValues(statement: string, values: string[]): Buffer {
  const parts = [Buffer.from(`\0${statement}\0`), Buffer.from([0, 0]), Buffer.alloc(2)];
  parts[2].writeInt16BE(values.length);
  for (const value of values) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(Buffer.byteLength(value));
    parts.push(length, Buffer.from(value));
  }
  parts.push(Buffer.from([0, 0]));
  return typed('B', Buffer.concat(parts));
}
export const describeStatement = (name: string) => typed('D', Buffer.from(`S${name}\0`));
export const execute = () => typed('E', Buffer.from([0, 0, 0, 0, 0]));
export const flush = () => typed('H', Buffer.alloc(0));
export const syncMessage = () => typed('S', Buffer.alloc(0));
export const query = (sql: string) => typed('Q', Buffer.from(`${sql}\0`));

export interface BackendMessage {
  type: string;
  body: Buffer;
}

/** The code (C field) and message (M field) of an ErrorResponse body. */
export function errorFields(body: Buffer): { severity: string; code: string; message: string } {
  const fields: Record<string, string> = {};
  for (let offset = 0; offset < body.length && body[offset] !== 0;) {
    const end = body.indexOf(0, offset + 1);
    fields[String.fromCharCode(body[offset])] = body.toString('utf8', offset + 1, end);
    offset = end + 1;
  }
  return { severity: fields.S, code: fields.C, message: fields.M };
}

/** A client speaking the wire protocol by hand, reading the server's messages one by one. */
export class RawClient {
  private received = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private ended = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const raw = new RawClient(socket);
    const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    socket.write(Buffer.concat([startup, params]));
    await raw.until('Z');
    return raw;
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  /** The next backend message; null once the server has closed the connection and nothing is left. */
  async next(): Promise<BackendMessage | null> {
    for (;;) {
      if (this.received.length >= 5) {
        const end = 1 + this.received.readInt32BE(1);
        if (this.received.length >= end) {
          const message = { type: String.fromCharCode(this.received[0]), body: this.received.subarray(5, end) };
          this.received = this.received.subarray(end);
          return message;
        }
      }
      if (this.ended) return null;
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  /** Every message up to and including the first of this type; throws if the connection ends first. */
  async until(type: string): Promise<BackendMessage[]> {
    const seen: BackendMessage[] = [];
    for (;;) {
      const message = await this.next();
      if (!message) throw new Error(`connection closed before a '${type}' message; got ${seen.map((m) => m.type).join('')}`);
      seen.push(message);
      if (message.type === type) return seen;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    this.waiters.splice(0).forEach((wake) => wake());
  }
}
