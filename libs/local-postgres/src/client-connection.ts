import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { runBesideTransaction, touchesNamedStatementsOnly } from './beside-transaction';
import { ProtocolError } from './errors';
import { FrontendReader, type FrontendPacket } from './frontend-reader';
import type { Log } from './json-log';
import type { SessionLock, WaitOutcome } from './session-lock';
import { DISCARD_CLIENT_STATE, holdsExclusiveState, swapSettings, type CarriedSettings } from './session-state';
import { refusedMessage, sqlText, statementRules } from './statement-rules';
import { StatementNames } from './statement-names';
import {
  authenticationOk,
  backendKeyData,
  backendMessages,
  closeStatement,
  errorResponse,
  firstErrorMessage,
  lastReadyStatus,
  negotiateProtocolVersion,
  parameterStatus,
  readyForQuery,
  simpleQuery,
  sync,
  type TransactionStatus,
} from './wire-messages';

/** How long a client may keep others from the session (README, "The embedded PostgreSQL's limits"). */
export interface SessionLimits {
  /** A holder with nothing running for this long, while others wait, is disconnected (25P03, or 57P05 outside a transaction). */
  idleInTransactionMs: number;
  /** A client waiting this long for the session gets 55P03 instead. */
  sessionWaitMs: number;
}

/** What every connection shares: the one session, the lock handing it out, the log. */
export interface SharedSession {
  exec(messages: Uint8Array): Promise<Uint8Array>;
  inTransaction(): boolean;
  readonly serverParameters: Record<string, string>;
  readonly lock: SessionLock;
  readonly log: Log;
  readonly limits: SessionLimits;
  /** Every open connection, by the process id its client was told in BackendKeyData. */
  readonly connections: Map<number, ClientConnection>;
  /** Connections waiting to run beside an open transaction (they are not in the lock's queue). */
  readonly besideWaiters: Set<number>;
  /** The connection whose settings are in the session now; null: the defaults (session-state.ts). */
  settingsOwner: ClientConnection | null;
}

/** Waiting this long for the session is worth a log line: someone holds a transaction open. */
const SLOW_WAIT_MS = 5_000;

/**
 * What ended a group: a Sync, a simple Query, a Flush, or the end of what has been received of an
 * extended sequence not synced yet ('unsynced': run as it comes, answered without ReadyForQuery).
 */
type GroupEnd = 'S' | 'Q' | 'H' | 'unsynced';

/**
 * One client. Its messages are cut into groups that each end with the Sync or simple Query
 * that a ReadyForQuery answers (or a Flush, which asks for answers mid-group); each group runs
 * whole on the session while this connection holds it, and the connection keeps holding it
 * until a ReadyForQuery says it is idle ('I') and it keeps no state that cannot be handed
 * over, so no other client's message ever lands inside its extended-protocol sequence or its
 * transaction. As in PostgreSQL, statements of an extended sequence run as they arrive, not
 * when its Sync does: what has been received of a sequence that executes anything runs at once
 * (an 'unsynced' group), inside the implicit transaction the Sync commits, which the cleanup
 * rolls back if the connection ends before it (a pipeline cut half-way leaves nothing). Exceptions: a group that only prepares or describes named statements may run
 * beside another client's idle transaction (beside-transaction.ts), and a holder idle for too
 * long while others wait is disconnected (PgliteWireServer's watch).
 */
export class ClientConnection {
  /** Settles once the connection has closed and the session is clean of it. */
  readonly finished: Promise<void>;
  /** Settings this client changed, saved while another client had the session. */
  savedSettings: CarriedSettings = null;
  /** Settings its statements may have changed (statement-rules.ts): saved and reset when another client takes the session. */
  readonly settingNames = new Set<string>();
  private readonly reader = new FrontendReader();
  private readonly names: StatementNames;
  private readonly secretKey = randomInt(2 ** 31 - 1);
  private pending: Buffer[] = [];
  private work: Promise<void> = Promise.resolve();
  private closed = false;
  /** A FATAL error was sent: whatever else the client sends is ignored. */
  private ending = false;
  /** A Flush-ended or unsynced group ran: the session is inside this connection's extended sequence (an implicit transaction). */
  private midGroup = false;
  private status: TransactionStatus = 'I';
  /** An error ended a Flush-ended or unsynced group unrun: as Postgres does, everything up to the next Sync is skipped. */
  private discardUntilSync = false;
  /** Its statements may have left temporary tables, session advisory locks or holdable cursors. */
  private mayHoldExclusiveState = false;
  /** It keeps the session for such state while idle. */
  private keptForState = false;
  /** Groups received and not yet finished. */
  private inFlight = 0;
  /** Its group is running on the session now. */
  private running = false;
  private lastTurnEndedAt = Date.now();
  /** Set while it waits for the session: ends the wait (a cancel request, a close). */
  private stopWaiting: ((outcome: Exclude<WaitOutcome, 'granted'>) => void) | null = null;
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

  /** Its transaction is open and nothing of it runs: another client's named-statement work may run beside it. */
  get idleInOpenTransaction(): boolean {
    return !this.closed && this.status === 'T' && !this.midGroup && !this.running && this.inFlight === 0;
  }

  /** How long it has held the session with nothing to run; null when it does not hold it or is busy. */
  idleHoldingMs(now: number): number | null {
    if (this.closed || this.shared.lock.owner !== this.id || this.inFlight > 0) return null;
    return now - this.lastTurnEndedAt;
  }

  /** Disconnects it as Postgres' idle_in_transaction_session_timeout (or idle_session_timeout) would; its transaction is rolled back. */
  cutIdle(idleMs: number, waiting: number): void {
    const inTransaction = this.midGroup || this.status !== 'I';
    const [code, text] = inTransaction
      ? ['25P03', 'terminating connection due to idle-in-transaction timeout']
      : ['57P05', 'terminating connection due to idle-session timeout'];
    const why = inTransaction ? 'inside a transaction' : 'keeping temporary tables, advisory locks or holdable cursors';
    const detail = `The local PGlite server has one session for all clients. This connection held it ${why}, idle for ${idleMs} ms while ${waiting} other client(s) waited (limit ${this.shared.limits.idleInTransactionMs} ms).`;
    this.shared.log('connection.idle_cut', { connection: this.id, code, idleMs, waiting, status: this.midGroup ? 'mid-group' : this.status });
    this.ending = true;
    if (!this.socket.destroyed) {
      this.socket.end(errorResponse(code, text, 'FATAL', detail));
      setTimeout(() => this.socket.destroy(), 1_000).unref();
    }
    this.onClose(); // roll back and hand the session over now, not when the client gets round to closing
  }

  /** A CancelRequest for this connection: ends its wait for the session. A statement already running cannot be interrupted. */
  cancel(secretKey: number): void {
    if (secretKey !== this.secretKey) {
      this.shared.log('cancel.refused', { connection: this.id, reason: 'wrong secret key' });
      return;
    }
    if (this.stopWaiting) this.stopWaiting('cancelled');
    else this.shared.log('cancel.ignored', { connection: this.id, reason: this.running ? 'its statement is running and cannot be interrupted' : 'it is not waiting' });
  }

  private receive(chunk: Buffer): void {
    if (this.ending) return;
    let packets: FrontendPacket[];
    try {
      packets = this.reader.push(chunk);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    for (const packet of packets) if (!this.ending) this.accept(packet);
    if (!this.ending) this.runUnsynced();
  }

  /**
   * Sends what has been received of an extended sequence to the session now, when it executes
   * anything, as PostgreSQL runs each message as it comes: a pipeline (statements behind one
   * Sync) runs while the rest of it is on its way, in the implicit transaction the Sync commits,
   * and a connection that ends before its Sync dies inside that transaction and is rolled back.
   * Without an Execute nothing waits for the session: Parse or Describe alone, whose Sync may
   * follow in the next read, must still be able to run beside another client's transaction.
   */
  private runUnsynced(): void {
    if (!this.pending.some((message) => message[0] === 0x45 /* Execute */)) return;
    const messages = this.pending;
    this.pending = [];
    this.inFlight++;
    this.enqueue(() => this.run(messages, 'unsynced'));
  }

  private accept(packet: FrontendPacket): void {
    switch (packet.kind) {
      case 'encryption-request':
        this.socket.write('N');
        return;
      case 'cancel-request':
        // Per protocol the cancel connection gets no answer; the canceled client hears through its own.
        this.shared.connections.get(packet.processId)?.cancel(packet.secretKey);
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
    parts.push(backendKeyData(this.id, this.secretKey), readyForQuery('I'));
    this.socket.write(Buffer.concat(parts));
    this.shared.log('connection.opened', { connection: this.id, user: params.user, database: params.database, application: params.application_name });
  }

  private collect(type: string, message: Buffer): void {
    if (type === 'X') {
      this.runUnsynced(); // as PostgreSQL would have before the Terminate: ended unsynced, it is rolled back
      this.enqueue(async () => void this.socket.end());
      return;
    }
    // Copy data can only follow a COPY FROM STDIN, which never reaches the session (statement-rules.ts):
    // what a client sends after its refusal is dropped, as Postgres drops it outside a copy.
    if (type === 'd' || type === 'c' || type === 'f') return;
    let bytes = message;
    const sql = sqlText(type, message);
    if (sql !== null) {
      const rules = statementRules(sql);
      if (rules.refusal) {
        this.shared.log('statement.refused', { connection: this.id, refusal: rules.refusal });
        bytes = refusedMessage(type, message, rules.refusal);
      }
      for (const name of rules.settings) this.settingNames.add(name);
      if (rules.exclusive) this.mayHoldExclusiveState = true;
    }
    this.pending.push(this.names.rewrite(type, bytes));
    if (type === 'S' || type === 'Q' || type === 'H') {
      const messages = this.pending;
      this.pending = [];
      this.inFlight++;
      this.enqueue(() => this.run(messages, type));
    }
  }

  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch((error: Error) => this.fail(error));
  }

  private write(bytes: Uint8Array): void {
    if (!this.socket.destroyed && bytes.length) this.socket.write(bytes);
  }

  private async run(messages: Buffer[], end: GroupEnd): Promise<void> {
    try {
      await this.turn(messages, end);
    } finally {
      this.inFlight--;
      this.lastTurnEndedAt = Date.now();
      this.shared.lock.changed(); // a client waiting to run beside this one's transaction looks again
    }
  }

  private async turn(messages: Buffer[], end: GroupEnd): Promise<void> {
    if (this.closed || this.ending) return;
    if (this.discardUntilSync) {
      if (end !== 'S') return;
      this.discardUntilSync = false;
      this.write(readyForQuery(this.status));
      return;
    }
    // Named statements only, outside any sequence of this client's: run as if the group ended with
    // a Sync, so that neither a Sync-less Flush nor another client's open transaction holds it up.
    const namedOnly = end !== 'Q' && !this.midGroup && this.status === 'I' && touchesNamedStatementsOnly(messages);
    const group = namedOnly && end === 'H' ? Buffer.concat([...messages.slice(0, -1), sync()]) : Buffer.concat(messages);
    if (this.shared.lock.owner !== this.id) {
      const since = Date.now();
      const outcome = namedOnly ? await this.runBesideOrWait(group, end) : await this.waitForSession();
      if (outcome === 'answered') return;
      if (outcome !== 'granted') return this.answerUnrun(outcome, end, Date.now() - since);
      if (this.closed || this.ending) return; // the cleanup queued behind this step releases the session
    }
    await this.handOver();
    this.midGroup = true; // until the answer says otherwise: if PGlite throws, the cleanup rolls back
    this.running = true;
    let answer: Uint8Array;
    try {
      answer = await this.shared.exec(group);
    } finally {
      this.running = false;
    }
    if (namedOnly) {
      this.midGroup = false;
      this.writeNamedOnlyAnswer(Buffer.from(answer), end);
      await this.releaseUnlessKept();
      return;
    }
    this.write(answer);
    this.midGroup = end === 'H' || end === 'unsynced';
    if (this.midGroup) return;
    this.status = lastReadyStatus(answer) ?? (this.shared.inTransaction() ? 'T' : 'I');
    if (this.status === 'I') await this.releaseUnlessKept();
  }

  /**
   * The answer to a named-statements-only group, run with a Sync: for a Flush-ended one, without
   * the ReadyForQuery the client did not ask for yet, and after an error everything up to its
   * Sync is skipped, as Postgres would have.
   */
  private writeNamedOnlyAnswer(answer: Buffer, end: GroupEnd): void {
    if (end !== 'H') {
      this.write(answer);
      return;
    }
    const messages = backendMessages(answer);
    const last = messages[messages.length - 1];
    this.write(last?.type === 'Z' ? answer.subarray(0, last.start) : answer);
    if (messages.some((m) => m.type === 'E')) this.discardUntilSync = true;
  }

  private async waitForSession(): Promise<WaitOutcome> {
    const { lock, limits } = this.shared;
    const since = Date.now();
    const holder = lock.owner;
    this.stopWaiting = (outcome) => lock.stopWaiting(this.id, outcome);
    const outcome = await lock.acquire(this.id, limits.sessionWaitMs);
    this.stopWaiting = null;
    const waitedMs = Date.now() - since;
    if (outcome === 'granted' && waitedMs >= SLOW_WAIT_MS) this.shared.log('session.slow_wait', { connection: this.id, waitedMs, heldBy: holder });
    return outcome;
  }

  /** For a group that only touches named statements: runs it beside an idle open transaction, or takes the session when it is free. */
  private async runBesideOrWait(group: Buffer, end: GroupEnd): Promise<WaitOutcome | 'answered'> {
    const { lock, limits, besideWaiters } = this.shared;
    const deadline = Date.now() + limits.sessionWaitMs;
    besideWaiters.add(this.id);
    try {
      for (;;) {
        if (this.closed || this.ending) return 'cancelled';
        if (lock.owner === null) return await lock.acquire(this.id);
        const holder = this.shared.connections.get(lock.owner);
        // The statement is analysed under the session's settings: only when they are the defaults, or this client's own.
        const settingsFit = this.savedSettings === null && (this.shared.settingsOwner === null || this.shared.settingsOwner === this);
        if (holder?.idleInOpenTransaction && settingsFit && this.shared.inTransaction()) {
          this.writeNamedOnlyAnswer(await runBesideTransaction(this.shared.exec, group), end);
          return 'answered';
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) return 'timed-out';
        let timer: NodeJS.Timeout | undefined;
        const stopped = new Promise<Exclude<WaitOutcome, 'granted'>>((resolve) => {
          this.stopWaiting = resolve;
          timer = setTimeout(() => resolve('timed-out'), remaining);
        });
        const outcome = await Promise.race([lock.nextChange().then(() => null), stopped]);
        clearTimeout(timer);
        this.stopWaiting = null;
        if (outcome) return outcome;
      }
    } finally {
      besideWaiters.delete(this.id);
    }
  }

  /** The group did not run: the client gets the error its ReadyForQuery, as for any failed statement outside a transaction. */
  private answerUnrun(outcome: Exclude<WaitOutcome, 'granted'>, end: GroupEnd, waitedMs: number): void {
    if (this.closed || this.ending) return;
    const holder = this.shared.lock.owner;
    if (outcome === 'timed-out') {
      this.shared.log('session.wait_timed_out', { connection: this.id, waitedMs, heldBy: holder });
      const detail = `The local PGlite server has one session for all clients; connection ${holder ?? '?'} held it for the whole wait (limit ${this.shared.limits.sessionWaitMs} ms).`;
      this.write(errorResponse('55P03', `canceling statement due to lock timeout: waited ${waitedMs} ms for the shared session`, 'ERROR', detail));
    } else {
      this.shared.log('session.wait_cancelled', { connection: this.id, waitedMs, heldBy: holder });
      this.write(errorResponse('57014', 'canceling statement due to user request'));
    }
    if (end === 'H' || end === 'unsynced') this.discardUntilSync = true;
    else this.write(readyForQuery(this.status));
  }

  /** Takes the settings of the client before it out of the session, and puts this client's back. */
  private async handOver(): Promise<void> {
    const previous = this.shared.settingsOwner !== this ? this.shared.settingsOwner : null;
    if (previous || this.savedSettings !== null) {
      const { saved, restoreError } = await swapSettings(this.shared.exec, previous ? [...previous.settingNames] : null, this.savedSettings);
      if (previous) {
        previous.savedSettings = saved;
        if (saved === null) previous.settingNames.clear();
      }
      if (restoreError) this.shared.log('settings.not_restored', { connection: this.id, error: restoreError });
      this.shared.settingsOwner = this.savedSettings !== null ? this : null;
      this.savedSettings = null;
    }
    if (this.settingNames.size) this.shared.settingsOwner = this;
  }

  /** Idle again: the session goes to the next client, unless this one keeps state that cannot be handed over. */
  private async releaseUnlessKept(): Promise<void> {
    if (this.mayHoldExclusiveState) {
      if (await holdsExclusiveState(this.shared.exec)) {
        if (!this.keptForState) this.shared.log('session.kept_for_state', { connection: this.id });
        this.keptForState = true;
        return;
      }
      this.mayHoldExclusiveState = false;
    }
    this.keptForState = false;
    this.shared.lock.release(this.id);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopWaiting?.('cancelled');
    this.work = this.work
      .then(() => this.cleanUp())
      .catch((error: Error) => this.shared.log('connection.cleanup_failed', { connection: this.id, error: error.message }))
      .finally(() => {
        this.shared.log('connection.closed', { connection: this.id });
        this.markFinished();
      });
  }

  /** Leaves the session as if this client had never been there: no transaction, no statements, no settings or temporary state. */
  private async cleanUp(): Promise<void> {
    const { lock } = this.shared;
    const holding = lock.owner === this.id;
    const statements = this.names.prepared;
    const ownsSettings = this.shared.settingsOwner === this;
    const mayHoldState = holding && this.mayHoldExclusiveState;
    if (!holding && statements.length === 0 && !ownsSettings) return;
    await lock.acquire(this.id);
    try {
      // An explicit transaction, or the implicit one of an extended sequence its Sync never ended.
      if (holding && (this.midGroup || this.status !== 'I')) await this.rollBack(this.status === 'I' ? 'implicit' : 'explicit');
      const closing = statements.length ? [...statements.map(closeStatement), sync()] : [];
      const discarding = ownsSettings || mayHoldState ? [DISCARD_CLIENT_STATE] : [];
      if (closing.length || discarding.length) {
        const problem = firstErrorMessage(await this.shared.exec(Buffer.concat([...closing, ...discarding])));
        if (problem) this.shared.log('connection.cleanup_failed', { connection: this.id, error: problem });
      }
      if (this.shared.settingsOwner === this) this.shared.settingsOwner = null;
    } finally {
      lock.release(this.id);
    }
  }

  private async rollBack(transaction: 'implicit' | 'explicit'): Promise<void> {
    // A simple ROLLBACK ends an explicit transaction, and aborts the implicit one an unfinished
    // extended sequence opened. After an error, Postgres skips messages up to a Sync, so the
    // ROLLBACK may be skipped once: the Sync ends that, and the next round finishes the job.
    for (let round = 1; round <= 3; round++) {
      const status = lastReadyStatus(await this.shared.exec(Buffer.concat([simpleQuery('ROLLBACK'), sync()])));
      if (status === 'I') {
        this.shared.log('connection.rolled_back', { connection: this.id, transaction, rounds: round });
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
