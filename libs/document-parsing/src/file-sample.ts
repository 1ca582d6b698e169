import { open } from 'node:fs/promises';

/** The first and last bytes of a file: enough to tell its format without reading it all. */
export interface FileSample {
  size: number;
  head: Buffer;
  /** The last bytes (a ZIP's directory is at its end); the head again for a small file. */
  tail: Buffer;
}

export const SAMPLE_BYTES = 64 * 1024;

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
