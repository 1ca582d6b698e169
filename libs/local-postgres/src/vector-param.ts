import { VectorParamError } from './errors';

const MAX_DIMENSIONS = 16_000;

/**
 * A vector as a query parameter in pgvector's binary format (what `vector_recv` reads): int16
 * dimensions, int16 unused, then float32 values, all big-endian. `pg` sends a Buffer parameter
 * in binary format, so the server skips parsing the text form `[0.1,0.2,...]`, which is what
 * makes inserts slow on PGlite. Use it where a `vector` column or `$n::vector` is expected.
 */
export function vectorParam(values: ArrayLike<number>): Buffer {
  const dimensions = values.length;
  if (dimensions < 1 || dimensions > MAX_DIMENSIONS) throw new VectorParamError(`A vector of ${dimensions} dimensions cannot be sent`);
  const buffer = Buffer.allocUnsafe(4 + 4 * dimensions);
  buffer.writeInt16BE(dimensions, 0);
  buffer.writeInt16BE(0, 2);
  for (let i = 0; i < dimensions; i++) {
    const value = values[i];
    // A finite double can still overflow float32 to Infinity, which pgvector rejects.
    if (!Number.isFinite(Math.fround(value))) throw new VectorParamError(`Value ${value} at index ${i} is not a finite float32`);
    buffer.writeFloatBE(value, 4 + 4 * i);
  }
  return buffer;
}
