/**
 * Splits a client's byte stream into whole Postgres frontend messages, grouped the way the
 * session must run them: everything up to and including a Sync (`S`) or a simple Query (`Q`)
 * is one group, answered by one ReadyForQuery. A Flush (`H`) sends what came so far as an
 * incomplete group: the connection keeps the session until its Sync.
 */
export const SSL_REQUEST = 80877103;
export const GSS_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

export type Frame =
  | { kind: 'ssl-request' }
  | { kind: 'cancel' }
  | { kind: 'startup'; bytes: Buffer }
  | { kind: 'group'; bytes: Buffer; terminate: boolean; complete: boolean };

export class FrontendReader {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private pending: Buffer[] = [];

  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: Frame[] = [];
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) break;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) break;
        const code = this.buffer.readInt32BE(4);
        const bytes = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSS_REQUEST) frames.push({ kind: 'ssl-request' });
        else if (code === CANCEL_REQUEST) frames.push({ kind: 'cancel' });
        else {
          this.started = true;
          frames.push({ kind: 'startup', bytes: Buffer.from(bytes) });
        }
        continue;
      }
      if (this.buffer.length < 5) break;
      const length = 1 + this.buffer.readInt32BE(1);
      if (this.buffer.length < length) break;
      const type = String.fromCharCode(this.buffer[0]);
      const message = Buffer.from(this.buffer.subarray(0, length));
      this.buffer = this.buffer.subarray(length);
      if (type === 'X') {
        frames.push({ kind: 'group', bytes: Buffer.concat(this.pending), terminate: true, complete: true });
        this.pending = [];
        continue;
      }
      this.pending.push(message);
      // A Flush asks for the answers so far without ending the group (cursors page this way).
      if (type === 'S' || type === 'Q' || type === 'H') {
        frames.push({ kind: 'group', bytes: Buffer.concat(this.pending), terminate: false, complete: type !== 'H' });
        this.pending = [];
      }
    }
    return frames;
  }
}
