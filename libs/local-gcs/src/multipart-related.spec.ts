import { randomBytes } from 'node:crypto';
import { multipartBoundary, readMultipart, type PartHeaders } from './multipart-related';

function body(boundary: string, parts: { type: string; bytes: Buffer }[]): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Type: ${part.type}\r\n\r\n`), part.bytes, Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--`));
  return Buffer.concat(pieces);
}

async function* inPieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function parse(bytes: Buffer, boundary: string, pieceSize: number) {
  const parts: { headers: PartHeaders; data: Buffer[] }[] = [];
  const count = await readMultipart(inPieces(bytes, pieceSize), boundary, (_index, headers) => {
    const part = { headers, data: [] as Buffer[] };
    parts.push(part);
    return { write: async (chunk) => void part.data.push(Buffer.from(chunk)) };
  });
  return { count, parts: parts.map((p) => ({ type: p.headers['content-type'], bytes: Buffer.concat(p.data) })) };
}

describe('readMultipart', () => {
  const boundary = 'b0undary-1234';
  // Data that contains CRLFs, dashes and a near-miss of the delimiter.
  const media = Buffer.concat([randomBytes(5000), Buffer.from(`\r\n--${boundary.slice(0, -1)}X\r\n--`), randomBytes(3000)]);
  const whole = body(boundary, [
    { type: 'application/json', bytes: Buffer.from('{"name":"x"}') },
    { type: 'application/pdf', bytes: media },
  ]);

  it.each([1, 2, 7, 64, 1000, whole.length])('splits two parts exactly when read %i bytes at a time', async (pieceSize) => {
    const { count, parts } = await parse(whole, boundary, pieceSize);
    expect(count).toBe(2);
    expect(parts[0]).toEqual({ type: 'application/json', bytes: Buffer.from('{"name":"x"}') });
    expect(parts[1].type).toBe('application/pdf');
    expect(parts[1].bytes.equals(media)).toBe(true);
  });

  it('refuses a body cut off before the closing boundary', async () => {
    await expect(parse(whole.subarray(0, whole.length - 10), boundary, 100)).rejects.toThrow(/ended before its closing boundary/);
  });

  it('reads the boundary from the Content-Type, quoted or not', () => {
    expect(multipartBoundary('multipart/related; boundary=abc')).toBe('abc');
    expect(multipartBoundary('multipart/related; charset=x; boundary="a b"')).toBe('a b');
    expect(() => multipartBoundary('application/json')).toThrow(/multipart\/related/);
  });
});
