import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { startLocalPostgres, type LocalPostgres } from './index';

const ROOT = join(__dirname, '../../..');

describe('transactions on the shared session', () => {
  let server: LocalPostgres;
  const clients: Client[] = [];

  async function client(): Promise<Client> {
    const c = new Client({ connectionString: server.url });
    c.on('error', () => undefined); // the killed ones report here
    await c.connect();
    clients.push(c);
    return c;
  }
  const count = async (table: string) => (await (await client()).query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

  beforeAll(async () => {
    server = await startLocalPostgres({});
    await (await client()).query('CREATE TABLE once (id int PRIMARY KEY); CREATE TABLE orphan (id int)');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  afterAll(() => server?.stop());

  it('rolls back a transaction that failed, keeping nothing of it', async () => {
    const c = await client();
    await c.query('BEGIN');
    await c.query('INSERT INTO once VALUES (1), (2)');
    await expect(c.query('INSERT INTO once VALUES (2)')).rejects.toThrow(/duplicate key/);
    await expect(c.query('INSERT INTO once VALUES (3)')).rejects.toThrow(/current transaction is aborted/);
    await c.query('ROLLBACK');
    expect(await count('once')).toBe(0);
    // The session is idle again for everyone.
    expect((await (await client()).query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('rolls back the transaction of a client process killed mid-transaction, and serves the client waiting behind it', async () => {
    const script = `const { Client } = require('pg');
      (async () => { const c = new Client({ connectionString: ${JSON.stringify(server.url)} }); await c.connect();
        await c.query('BEGIN'); await c.query('INSERT INTO orphan VALUES (1)'); console.log('inserted'); setInterval(() => {}, 1000); })();`;
    const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('inserted') && resolve()));
      // This reader needs the session, which the child holds inside its transaction.
      const waiting = (await client()).query('SELECT count(*)::int AS n FROM orphan');
      child.kill('SIGKILL');
      expect((await waiting).rows).toEqual([{ n: 0 }]);
      expect(await count('orphan')).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('rolls back the transaction of a client whose socket is destroyed', async () => {
    const c = await client();
    await c.query('BEGIN');
    await c.query('INSERT INTO orphan VALUES (2)');
    (c as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
    expect(await count('orphan')).toBe(0);
  });

  it('rolls back a client that terminates (pg end) inside a transaction', async () => {
    const c = new Client({ connectionString: server.url });
    await c.connect();
    await c.query('BEGIN');
    await c.query('INSERT INTO orphan VALUES (3)');
    await c.end();
    expect(await count('orphan')).toBe(0);
  });

  it('aborts the implicit transaction of a client that vanishes mid extended-protocol sequence (after Execute and Flush, before Sync)', async () => {
    const raw = await RawClient.connect(server.port);
    raw.send(parse('INSERT INTO orphan VALUES (4)'), bind(), execute(), flush());
    await raw.waitFor('C'); // CommandComplete: the insert ran, its transaction is open
    raw.destroy();
    expect(await count('orphan')).toBe(0);
  });

  it('refuses COPY ... FROM STDIN with an error and keeps serving', async () => {
    const c = await client();
    await expect(c.query('COPY orphan FROM STDIN')).rejects.toThrow(/COPY \.\.\. FROM STDIN is not supported/);
    expect(await count('orphan')).toBe(0);
  });
});

// Frontend messages for a client that stops where `pg` never would.
function typed(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}
const parse = (sql: string) => typed('P', Buffer.concat([Buffer.from(`\0${sql}\0`), Buffer.alloc(2)]));
const bind = () => typed('B', Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])); // unnamed portal and statement, no formats, values or result formats
const execute = () => typed('E', Buffer.from([0, 0, 0, 0, 0]));
const flush = () => typed('H', Buffer.alloc(0));

class RawClient {
  private received = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiters.splice(0).forEach((wake) => wake());
    });
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
    await raw.waitFor('Z');
    return raw;
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  /** Resolves once a backend message of this type has arrived (consuming everything up to it). */
  async waitFor(type: string): Promise<void> {
    for (;;) {
      let offset = 0;
      while (offset + 5 <= this.received.length) {
        const length = this.received.readInt32BE(offset + 1);
        if (offset + 1 + length > this.received.length) break;
        const found = String.fromCharCode(this.received[offset]);
        if (found === 'E' && type !== 'E') throw new Error(`server error: ${this.received.toString('utf8', offset + 5, offset + 1 + length)}`);
        offset += 1 + length;
        if (found === type) {
          this.received = this.received.subarray(offset);
          return;
        }
      }
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}
