import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { isCopyFromStdin } from './copy-guard';
import { ProtocolError, UnsupportedStatementError } from './errors';
import { FrontendReader, type FrontendPacket } from './frontend-reader';
import type { Log } from './json-log';
import type { SessionLock } from './session-lock';
import { StatementNames } from './statement-names';
import {
  authenticationOk,
  backendKeyData,
  closeStatement,
  errorResponse,
  lastReadyStatus,
  negotiateProtocolVersion,
  parameterStatus,
  readyForQuery,
  simpleQuery,
  sync,
  type TransactionStatus,
} from './wire-messages';

/** What every connection shares: the one session, the lock handing it out, the log. */
export interface SharedSession {
  exec(messages: Uint8Array): Promise<Uint8Array>;
  inTransaction(): boolean;
  readonly serverParameters: Record<string, string>;
  readonly lock: SessionLock;
  readonly log: Log;
}

/** Waiting this long for the session is worth a log line: someone holds a transaction open. */
const SLOW_WAIT_MS = 5_000;

/**
 * One client. Its messages are cut into groups that each end with the Sync or simple Query
 * that a ReadyForQuery answers (or a Flush, which asks for answers mid-group); each group runs
 * whole on the session while this connection holds it, and the connection keeps holding it
 * until a ReadyForQuery says it is idle ('I'), so no other client's message ever lands inside
 * its extended-protocol sequence or its transaction.
 */
export class ClientConnection {
  /** Settles once the connection has closed and the session is clean of it. */
  readonly finished: Promise<void>;
  private readonly reader = new FrontendReader();
  private readonly names: StatementNames;
  private pending: Buffer[] = [];
  private work: Promise<void> = Promise.resolve();
  private closed = false;
  /** A FATAL error was sent: whatever else the client sends is ignored. */
  private ending = false;
  /** A FATAL error is queued behind the groups received before it: nothing more is read. */
  private refusing = false;
  /** A Flush-ended group ran: the session is inside this connection's extended sequence. */
  private midGroup = false;
  private status: TransactionStatus = 'I';
  private markFinished!: () => void;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly shared: SharedSession,
  ) {
    this.names = new StatementNames(`c${id}:`);
    this.finished = new Promise((resolve) => (this.markFinished = resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined); // 'close' follows, and cleans up
    socket.on('close', () => this.onClose());
  }

  /** Drops the client; a transaction it holds is rolled back. */
  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.ending || this.refusing) return;
    let packets: FrontendPacket[];
    try {
      packets = this.reader.push(chunk);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    for (const packet of packets) if (!this.ending && !this.refusing) this.accept(packet);
  }

  private accept(packet: FrontendPacket): void {
    switch (packet.kind) {
      case 'encryption-request':
        this.socket.write('N');
        return;
      case 'cancel-request':
        // PGlite cannot interrupt a statement: it runs to its end. Per protocol, no answer.
        this.socket.end();
        return;
      case 'startup':
        this.greet(packet.protocolVersion, packet.params);
        return;
      case 'message':
        this.collect(packet.type, packet.bytes);
        return;
    }
  }

  private greet(protocolVersion: number, params: Record<string, string>): void {
    const major = protocolVersion >> 16;
    const minor = protocolVersion & 0xffff;
    if (major !== 3) {
      this.fail(new ProtocolError(`Unsupported frontend protocol ${major}.${minor}`), '0A000');
      return;
    }
    const parts: Buffer[] = [];
    if (minor > 0) parts.push(negotiateProtocolVersion(Object.keys(params).filter((name) => name.startsWith('_pq_.'))));
    parts.push(authenticationOk());
    for (const [name, value] of Object.entries(this.shared.serverParameters)) parts.push(parameterStatus(name, value));
    parts.push(backendKeyData(this.id, randomInt(2 ** 31 - 1)), readyForQuery('I'));
    this.socket.write(Buffer.concat(parts));
    this.shared.log('connection.opened', { connection: this.id, user: params.user, database: params.database, application: params.application_name });
  }

  private collect(type: string, message: Buffer): void {
    if (type === 'X') {
      this.enqueue(async () => void this.socket.end());
      return;
    }
    if (isCopyFromStdin(type, message)) {
      this.refusing = true;
      const refusal = new UnsupportedStatementError('COPY ... FROM STDIN is not supported by the local PGlite server: it breaks the session for every client. Use INSERT ... VALUES batches');
      this.enqueue(async () => this.fail(refusal, '0A000'));
      return;
    }
    this.pending.push(this.names.rewrite(type, message));
    if (type === 'S' || type === 'Q' || type === 'H') {
      const group = Buffer.concat(this.pending);
      this.pending = [];
      this.enqueue(() => this.run(group, type !== 'H'));
    }
  }

  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch((error: Error) => this.fail(error));
  }

  private async run(group: Buffer, complete: boolean): Promise<void> {
    if (this.closed || this.ending) return;
    await this.acquire();
    if (this.closed || this.ending) return; // the cleanup queued behind this step releases the session
    this.midGroup = true; // until the answer says otherwise: if PGlite throws, the cleanup rolls back
    const answer = await this.shared.exec(group);
    if (!this.socket.destroyed && answer.length) this.socket.write(answer);
    this.midGroup = !complete;
    if (!complete) return;
    this.status = lastReadyStatus(answer) ?? (this.shared.inTransaction() ? 'T' : 'I');
    if (this.status === 'I') this.shared.lock.release(this.id);
  }

  private async acquire(): Promise<void> {
    const { lock } = this.shared;
    if (lock.owner === this.id) return;
    const since = Date.now();
    const holder = lock.owner;
    await lock.acquire(this.id);
    const waitedMs = Date.now() - since;
    if (waitedMs >= SLOW_WAIT_MS) this.shared.log('session.slow_wait', { connection: this.id, waitedMs, heldBy: holder });
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.work = this.work
      .then(() => this.cleanUp())
      .catch((error: Error) => this.shared.log('connection.cleanup_failed', { connection: this.id, error: error.message }))
      .finally(() => {
        this.shared.log('connection.closed', { connection: this.id });
        this.markFinished();
      });
  }

  /** Leaves the session as if this client had never been there: no transaction, no statements. */
  private async cleanUp(): Promise<void> {
    const { lock } = this.shared;
    const holding = lock.owner === this.id;
    const statements = this.names.prepared;
    if (!holding && statements.length === 0) return;
    await lock.acquire(this.id);
    try {
      if (holding && (this.midGroup || this.status !== 'I')) await this.rollBack();
      if (statements.length) await this.shared.exec(Buffer.concat([...statements.map(closeStatement), sync()]));
    } finally {
      lock.release(this.id);
    }
  }

  private async rollBack(): Promise<void> {
    // A simple ROLLBACK ends an explicit transaction, and aborts the implicit one an unfinished
    // extended sequence opened. After an error, Postgres skips messages up to a Sync, so the
    // ROLLBACK may be skipped once: the Sync ends that, and the next round finishes the job.
    for (let round = 1; round <= 3; round++) {
      const status = lastReadyStatus(await this.shared.exec(Buffer.concat([simpleQuery('ROLLBACK'), sync()])));
      if (status === 'I') {
        this.shared.log('connection.rolled_back', { connection: this.id, rounds: round });
        return;
      }
    }
    this.shared.log('connection.rollback_failed', { connection: this.id });
  }

  /** Ends the connection with a FATAL error the client can read. */
  private fail(error: Error, code = '08P01'): void {
    this.shared.log('connection.error', { connection: this.id, error: error.message });
    this.ending = true;
    if (this.socket.destroyed) return;
    this.socket.end(errorResponse(code, error.message, 'FATAL'));
    // A client that does not close its end after the error must not keep the connection.
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }
}
