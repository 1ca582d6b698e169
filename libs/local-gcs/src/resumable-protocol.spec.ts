import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32cBase64, crc32cUpdate } from './crc32c';
import { rejection, startHarness, type Harness } from './testing/client-harness';

const KiB = 1024;

describe('resumable upload sessions', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ buckets: ['docs'] });
  });

  afterAll(async () => {
    await h?.gcs.stop();
  });

  /** Opens a session with the client and returns its URI. */
  async function session(name: string): Promise<string> {
    const [uri] = await h.storage
      .bucket('docs')
      .file(name)
      .createResumableUpload({ metadata: { contentType: 'text/plain' } });
    expect(uri).toContain('upload_id=');
    return uri;
  }

  const put = (uri: string, contentRange: string, body: Buffer | string = Buffer.alloc(0), headers: Record<string, string> = {}) =>
    fetch(uri, {
      method: 'PUT',
      body: typeof body === 'string' ? body : new Uint8Array(body),
      redirect: 'manual',
      headers: { 'Content-Range': contentRange, ...headers },
    });

  it('the client resumes an interrupted session: status query (bytes */*), then only the missing bytes', async () => {
    const data = randomBytes(768 * KiB);
    const file = h.storage.bucket('docs').file('resumed.bin');
    const uri = await session('resumed.bin');

    // First process: sends 512 KiB of the object and stops (a partial upload).
    await pipeline(
      Readable.from([data.subarray(0, 512 * KiB)]),
      file.createWriteStream({ uri, resumable: true, chunkSize: 256 * KiB, isPartialUpload: true, validation: false }),
    );
    expect((await file.exists())[0]).toBe(false);

    // Second process: knows only the URI, asks the server how far it got, skips what is there.
    const from = h.seen.length;
    await pipeline(Readable.from([data]), file.createWriteStream({ uri, resumable: true, validation: 'crc32c' }));
    const requests = h.seen.slice(from).filter((r) => r.url.includes('upload_id='));
    expect(requests[0].contentRange).toBe('bytes */*');
    expect(requests[1].contentRange).toBe(`bytes ${512 * KiB}-*/*`);
    expect((await file.download())[0].equals(data)).toBe(true);
  });

  it('answers 308 with the received Range, nothing before the first byte, and 200 with the resource at the end', async () => {
    const uri = await session('manual.txt');
    let res = await put(uri, 'bytes */*');
    expect(res.status).toBe(308);
    expect(res.headers.get('range')).toBeNull();
    expect(res.headers.get('location')).toBeNull();

    res = await put(uri, 'bytes 0-4/*', 'hello');
    expect(res.status).toBe(308);
    expect(res.headers.get('range')).toBe('bytes=0-4');

    // A retried chunk overlapping what the server has: the overlap is skipped, not duplicated.
    res = await put(uri, 'bytes 3-10/11', 'lo world');
    expect(res.status).toBe(200);
    const resource = (await res.json()) as Record<string, string>;
    expect(resource).toMatchObject({ name: 'manual.txt', size: '11', contentType: 'text/plain' });
    expect(resource.md5Hash).toBe(createHash('md5').update('hello world').digest('base64'));

    // After completion the session answers with the object again.
    res = await put(uri, 'bytes */*');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { generation: string }).generation).toBe(resource.generation);
    expect((await h.storage.bucket('docs').file('manual.txt').download())[0].toString()).toBe('hello world');
  });

  it('a status query with the known total finalises a session whose bytes are all there', async () => {
    const uri = await session('finish-by-query.txt');
    expect((await put(uri, 'bytes 0-2/*', 'abc')).status).toBe(308);
    const res = await put(uri, 'bytes */3');
    expect(res.status).toBe(200);
    expect((await h.storage.bucket('docs').file('finish-by-query.txt').download())[0].toString()).toBe('abc');
  });

  it('refuses a chunk that leaves a gap, and a final chunk whose X-Goog-Hash does not match', async () => {
    const uri = await session('strict.txt');
    const gap = await put(uri, 'bytes 10-12/*', 'xyz');
    expect(gap.status).toBe(400);
    expect(((await gap.json()) as { error: { message: string } }).error.message).toMatch(/resend from byte 0/);

    const wrongCrc = crc32cBase64(crc32cUpdate(0, Buffer.from('something else')));
    const mismatch = await put(uri, 'bytes 0-4/5', 'hello', { 'X-Goog-Hash': `crc32c=${wrongCrc}` });
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as { error: { code: number; message: string } }).error).toMatchObject({ code: 400, message: expect.stringMatching(/CRC32C/) });
    expect((await h.storage.bucket('docs').file('strict.txt').exists())[0]).toBe(false);
  });

  it('answers 404 for an unknown session and 499 when a session is cancelled', async () => {
    const uri = await session('cancelled.txt');
    expect((await fetch(uri, { method: 'DELETE' })).status).toBe(499);
    expect((await put(uri, 'bytes 0-0/1', 'x')).status).toBe(404);
    // The client, handed the dead URI, fails instead of hanging or writing elsewhere.
    const error = await rejection(
      pipeline(Readable.from([Buffer.from('data')]), h.storage.bucket('docs').file('cancelled.txt').createWriteStream({ uri, resumable: true })),
    );
    expect(error.message).toMatch(/404/);
  });
});
