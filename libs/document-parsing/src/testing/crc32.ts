import * as zlib from 'node:zlib';

/** zlib's own, where this Node has it: the zip bombs checksum hundreds of MB. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/**
 * CRC-32 as PNG and ZIP use it (zlib.crc32 only exists from Node 20.15); `previous` continues
 * the checksum of data given in pieces.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  if (nativeCrc32) return nativeCrc32(bytes, previous);
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (const byte of bytes) crc = TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
