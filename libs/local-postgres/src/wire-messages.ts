/**
 * The few Postgres wire messages this server writes itself: its half of the startup, errors,
 * and the frontend messages it sends to the session on a departed client's behalf.
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

export function errorResponse(code: string, text: string, severity = 'ERROR'): Buffer {
  const field = (tag: string, value: string) => Buffer.concat([Buffer.from(tag, 'latin1'), cstring(value)]);
  return message('E', Buffer.concat([field('S', severity), field('V', severity), field('C', code), field('M', text), Buffer.from([0])]));
}

/**
 * The status of the last ReadyForQuery in a run of backend messages, or null when there is
 * none (the answer to a Flush). Walks message headers only, so a DataRow that happens to end
 * in the same bytes cannot fool it.
 */
export function lastReadyStatus(answer: Uint8Array): TransactionStatus | null {
  const view = Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength);
  let status: TransactionStatus | null = null;
  let offset = 0;
  while (offset + 5 <= view.length) {
    const length = view.readInt32BE(offset + 1);
    if (view[offset] === 0x5a /* Z */ && length === 5 && offset + 6 <= view.length) status = String.fromCharCode(view[offset + 5]) as TransactionStatus;
    offset += 1 + length;
  }
  return status;
}

// Frontend messages, run on the session by the server itself.

/** A simple Query message. */
export function simpleQuery(sql: string): Buffer {
  return message('Q', cstring(sql));
}

export const sync = (): Buffer => message('S');

/** Close (statement) — closing a statement that does not exist is not an error. */
export const closeStatement = (name: string): Buffer => message('C', Buffer.concat([Buffer.from('S', 'latin1'), cstring(name)]));
