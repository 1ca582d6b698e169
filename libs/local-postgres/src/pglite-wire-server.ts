import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { FrontendReader } from './frontend-messages';
import { SessionLock } from './session-lock';

export interface WireServerOptions {
  host: string;
  port: number;
  log?: (event: string, fields?: Record<string, unknown>) => void;
}

// A simple Query message: 'Q', int32 length, the SQL, NUL.
function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`);
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0);
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/**
 * Serves one PGlite database to many clients over the Postgres wire protocol. PGlite is a
 * single session, so each connection gets it exclusively for a whole message group (up to its
 * Sync or Query) and keeps it while a transaction it opened is still open. A connection that
 * goes away inside a transaction has it rolled back before anyone else gets the session.
 */
export class PgliteWireServer {
  private server: Server | null = null;
  private readonly lock = new SessionLock();
  private readonly sockets = new Set<Socket>();
  private nextId = 1;

  constructor(
    private readonly db: PGlite,
    private readonly options: WireServerOptions,
  ) {}

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  async start(): Promise<void> {
    this.server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, () => resolve());
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private serve(socket: Socket): void {
    const id = this.nextId++;
    const reader = new FrontendReader();
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let chain = Promise.resolve();
    let closed = false;

    const run = async (bytes: Uint8Array, complete: boolean) => {
      await this.lock.acquire(id);
      try {
        const answer = bytes.length ? await this.db.execProtocolRaw(bytes) : new Uint8Array();
        if (!closed && answer.length) socket.write(answer);
      } finally {
        if (complete && !this.db.isInTransaction()) this.lock.release(id);
      }
    };

    const finish = async () => {
      if (closed) return;
      closed = true;
      this.sockets.delete(socket);
      this.lock.forget(id);
      if (this.lock.owner === id) {
        // It left mid-transaction (or mid-group): nothing it did may stay.
        if (this.db.isInTransaction()) {
          await this.db.execProtocolRaw(simpleQuery('ROLLBACK')).catch(() => undefined);
          this.options.log?.('connection.rolled_back', { connection: id });
        }
        this.lock.release(id);
      }
    };

    socket.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        chain = chain.then(async () => {
          if (closed && frame.kind !== 'group') return;
          switch (frame.kind) {
            case 'ssl-request':
              socket.write('N');
              return;
            case 'cancel':
              socket.end(); // cancelling is not supported; the query runs to its end
              return;
            case 'startup':
              await run(frame.bytes, true);
              return;
            case 'group':
              if (!closed) await run(frame.bytes, frame.complete);
              if (frame.terminate) {
                socket.end();
                await finish();
              }
              return;
          }
        }).catch((error: Error) => {
          this.options.log?.('connection.error', { connection: id, error: error.message });
          socket.destroy();
        });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      chain = chain.then(finish, finish);
    });
  }
}
