import { ProtocolError } from './errors';

const SSL_REQUEST = 80877103;
const GSS_ENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const MAX_STARTUP_BYTES = 10_000;
const MAX_MESSAGE_BYTES = 1 << 30; // Postgres' own limit for one message

export type FrontendPacket =
  /** SSLRequest or GSSENCRequest: answered with 'N', the client then goes on in plain text. */
  | { kind: 'encryption-request' }
  /** CancelRequest: the process id and secret key the client was told in BackendKeyData. */
  | { kind: 'cancel-request'; processId: number; secretKey: number }
  | { kind: 'startup'; protocolVersion: number; params: Record<string, string> }
  /** One whole typed message, type byte and length included. */
  | { kind: 'message'; type: string; bytes: Buffer };

/**
 * Cuts one client's byte stream into whole frontend messages, however the bytes were split
 * across socket reads. Before the startup packet, packets have no type byte.
 */
export class FrontendReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private started = false;

  push(chunk: Buffer): FrontendPacket[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const packets: FrontendPacket[] = [];
    for (;;) {
      const headerBytes = this.started ? 5 : 4;
      if (this.buffered < headerBytes) break;
      const total = this.packetLength(this.peek(headerBytes));
      if (this.buffered < total) break;
      const bytes = this.take(total);
      packets.push(this.started ? { kind: 'message', type: String.fromCharCode(bytes[0]), bytes } : this.untyped(bytes));
    }
    return packets;
  }

  private packetLength(header: Buffer): number {
    if (this.started) {
      const length = header.readInt32BE(1);
      if (length < 4 || length > MAX_MESSAGE_BYTES) throw new ProtocolError(`Message '${String.fromCharCode(header[0])}' has an invalid length ${length}`);
      return 1 + length;
    }
    const length = header.readInt32BE(0);
    if (length < 8 || length > MAX_STARTUP_BYTES) throw new ProtocolError(`Startup packet has an invalid length ${length}`);
    return length;
  }

  private untyped(bytes: Buffer): FrontendPacket {
    const code = bytes.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSS_ENC_REQUEST) return { kind: 'encryption-request' };
    if (code === CANCEL_REQUEST) {
      if (bytes.length !== 16) throw new ProtocolError(`CancelRequest has an invalid length ${bytes.length}`);
      return { kind: 'cancel-request', processId: bytes.readInt32BE(8), secretKey: bytes.readInt32BE(12) };
    }
    this.started = true;
    return { kind: 'startup', protocolVersion: code, params: startupParams(bytes.subarray(8)) };
  }

  private peek(count: number): Buffer {
    if (this.chunks[0].length < count) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0];
  }

  private take(count: number): Buffer {
    if (this.chunks[0].length < count) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    const first = this.chunks[0];
    const bytes = first.subarray(0, count);
    if (first.length === count) this.chunks.shift();
    else this.chunks[0] = first.subarray(count);
    this.buffered -= count;
    return bytes;
  }
}

/** The startup packet's body: name, value, name, value, ... each NUL-terminated, then a NUL. */
function startupParams(body: Buffer): Record<string, string> {
  const fields = body.toString('utf8').split('\0');
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length && fields[i] !== ''; i += 2) params[fields[i]] = fields[i + 1];
  return params;
}
