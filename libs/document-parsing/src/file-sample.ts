import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';

/** The first and last bytes of a file: enough to tell its format without reading it all. */
export interface FileSample {
  size: number;
  head: Buffer;
  /** The last bytes (a ZIP's directory is at its end); the head again for a small file. */
  tail: Buffer;
}

export const SAMPLE_BYTES = 64 * 1024;

/** Where a document's bytes are: a local file (a large download), or memory (a small one). */
export type DocumentSource = { path: string; bytes?: undefined } | { bytes: Uint8Array; path?: undefined };

/** The sample of a document wherever its bytes are: a view, not a copy, when they are in memory. */
export async function sampleOf(source: DocumentSource): Promise<FileSample> {
  if (source.path !== undefined) return readFileSample(source.path);
  const bytes = asBuffer(source.bytes);
  const head = bytes.subarray(0, SAMPLE_BYTES);
  return { size: bytes.length, head, tail: bytes.length <= SAMPLE_BYTES ? head : bytes.subarray(bytes.length - SAMPLE_BYTES) };
}

/** All of a document's bytes, as a Buffer (a view when they are already in memory). */
export async function readAllBytes(source: DocumentSource): Promise<Buffer> {
  return source.path !== undefined ? readFile(source.path) : asBuffer(source.bytes);
}

/** A document's bytes in pieces of about `pieceBytes`, read as they are needed from a file. */
export async function* bytePieces(source: DocumentSource, pieceBytes: number): AsyncGenerator<Uint8Array> {
  if (source.path !== undefined) {
    yield* createReadStream(source.path, { highWaterMark: pieceBytes }) as AsyncIterable<Buffer>;
    return;
  }
  for (let at = 0; at < source.bytes.length; at += pieceBytes) yield source.bytes.subarray(at, at + pieceBytes);
}

/** A Buffer over the same memory: bytes that crossed to a parse thread arrive as a plain Uint8Array. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export async function readFileSample(path: string): Promise<FileSample> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, SAMPLE_BYTES));
    await handle.read(head, 0, head.length, 0);
    if (size <= SAMPLE_BYTES) return { size, head, tail: head };
    const tail = Buffer.alloc(SAMPLE_BYTES);
    await handle.read(tail, 0, tail.length, size - SAMPLE_BYTES);
    return { size, head, tail };
  } finally {
    await handle.close();
  }
}
