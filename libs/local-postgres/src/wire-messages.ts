/**
 * The few Postgres wire messages this server writes itself: its half of the startup, errors,
 * and the frontend messages it sends to the session on a departed client's behalf; and the
 * few things it reads out of the session's answers.
 */

/** Transaction status in ReadyForQuery: idle, in a transaction, in a failed transaction. */
export type TransactionStatus = 'I' | 'T' | 'E';

function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

function int32s(...values: number[]): Buffer {
  const body = Buffer.alloc(4 * values.length);
  values.forEach((value, i) => body.writeInt32BE(value, 4 * i));
  return body;
}

const cstring = (text: string) => Buffer.from(`${text}\0`, 'utf8');

export const authenticationOk = (): Buffer => message('R', int32s(0));

export const parameterStatus = (name: string, value: string): Buffer => message('S', Buffer.concat([cstring(name), cstring(value)]));

export const backendKeyData = (processId: number, secretKey: number): Buffer => message('K', int32s(processId, secretKey));

export const readyForQuery = (status: TransactionStatus): Buffer => message('Z', Buffer.from(status, 'latin1'));

/** Sent to a client asking for protocol 3.x, x > 0: we speak 3.0 and know none of its `_pq_` options. */
export function negotiateProtocolVersion(unknownOptions: string[]): Buffer {
  return message('v', Buffer.concat([int32s(0, unknownOptions.length), ...unknownOptions.map(cstring)]));
}

export function errorResponse(code: string, text: string, severity = 'ERROR', detail?: string): Buffer {
  const field = (tag: string, value: string) => Buffer.concat([Buffer.from(tag, 'latin1'), cstring(value)]);
  const fields = [field('S', severity), field('V', severity), field('C', code), field('M', text)];
  if (detail) fields.push(field('D', detail));
  return message('E', Buffer.concat([...fields, Buffer.from([0])]));
}

/** One backend message inside an answer: its type and where it lies. */
export interface BackendMessage {
  type: string;
  start: number;
  end: number;
}

/** The backend messages of an answer, walking their headers (a DataRow cannot pass for a header). */
export function backendMessages(answer: Uint8Array): BackendMessage[] {
  const view = Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength);
  const found: BackendMessage[] = [];
  let offset = 0;
  while (offset + 5 <= view.length) {
    const end = offset + 1 + view.readInt32BE(offset + 1);
    if (end > view.length) break;
    found.push({ type: String.fromCharCode(view[offset]), start: offset, end });
    offset = end;
  }
  return found;
}

/**
 * The status of the last ReadyForQuery in a run of backend messages, or null when there is
 * none (the answer to a Flush).
 */
export function lastReadyStatus(answer: Uint8Array): TransactionStatus | null {
  const ready = backendMessages(answer).filter((m) => m.type === 'Z' && m.end - m.start === 6);
  const last = ready[ready.length - 1];
  return last ? (String.fromCharCode(answer[last.start + 5]) as TransactionStatus) : null;
}

/** The answer cut after each ReadyForQuery: one piece per Sync or simple Query (a rest without one is dropped). */
export function answersPerReady(answer: Uint8Array): Buffer[] {
  const view = Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const m of backendMessages(view)) {
    if (m.type !== 'Z') continue;
    pieces.push(view.subarray(from, m.end));
    from = m.end;
  }
  return pieces;
}

/** The same answer with its last ReadyForQuery saying `status`. */
export function withReadyStatus(answer: Buffer, status: TransactionStatus): Buffer {
  const ready = backendMessages(answer).filter((m) => m.type === 'Z' && m.end - m.start === 6);
  const last = ready[ready.length - 1];
  if (!last) return answer;
  const copy = Buffer.from(answer);
  copy.write(status, last.start + 5, 'latin1');
  return copy;
}

/** The message (M field) of the first ErrorResponse in an answer, or null. */
export function firstErrorMessage(answer: Uint8Array): string | null {
  const view = Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength);
  const error = backendMessages(view).find((m) => m.type === 'E');
  if (!error) return null;
  for (let offset = error.start + 5; offset < error.end && view[offset] !== 0;) {
    const end = view.indexOf(0, offset + 1);
    if (view[offset] === 0x4d /* M */) return view.toString('utf8', offset + 1, end);
    offset = end + 1;
  }
  return 'error without a message';
}

/** The first column of the first DataRow in an answer, as text; null when there is none or it is NULL. */
export function firstValue(answer: Uint8Array): string | null {
  const view = Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength);
  const row = backendMessages(view).find((m) => m.type === 'D');
  if (!row || view.readInt16BE(row.start + 5) < 1) return null;
  const length = view.readInt32BE(row.start + 7);
  return length < 0 ? null : view.toString('utf8', row.start + 11, row.start + 11 + length);
}

// Frontend messages, run on the session by the server itself.

/** A simple Query message. */
export function simpleQuery(sql: string): Buffer {
  return message('Q', cstring(sql));
}

export const sync = (): Buffer => message('S');

/** Close (statement) — closing a statement that does not exist is not an error. */
export const closeStatement = (name: string): Buffer => message('C', Buffer.concat([Buffer.from('S', 'latin1'), cstring(name)]));
