import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * pgvector's binary wire format (vector_recv): int16 dimensions, int16 unused, float32 values,
 * all big-endian. `pg` sends a Buffer parameter in binary format, which spares the server from
 * parsing text vectors: in PGlite that parse dominates inserts (about 1k rows/s as text).
 * The values are copied as float32 in one go and byte-swapped in place, not written one by one.
 */
export function encodeVector(values: ArrayLike<number>): Buffer {
  const buffer = Buffer.allocUnsafe(4 + 4 * values.length);
  buffer.writeInt16BE(values.length, 0);
  buffer.writeInt16BE(0, 2);
  if (LITTLE_ENDIAN && buffer.byteOffset % 4 === 0) {
    new Float32Array(buffer.buffer, buffer.byteOffset + 4, values.length).set(values);
    buffer.subarray(4).swap32();
  } else {
    for (let i = 0; i < values.length; i++) buffer.writeFloatBE(values[i], 4 + 4 * i);
  }
  return buffer;
}

/** pgvector's text form, `[1,2,3]`, as returned by `embedding::text`. */
export function parseVectorText(text: string): number[] {
  return text.slice(1, -1).split(',').map(Number);
}
