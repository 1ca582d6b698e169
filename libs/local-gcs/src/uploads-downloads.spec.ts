import { CRC32C } from '@google-cloud/storage';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { collect, startHarness, type Harness } from './testing/client-harness';

const MiB = 1024 * 1024;
const data = randomBytes(5 * MiB);
const md5 = createHash('md5').update(data).digest('base64');
const crc32c = clientCrc32c(data);

/** The client's own CRC32C, not ours, so a bug in ours cannot agree with itself. */
function clientCrc32c(bytes: Buffer): string {
  const crc = new CRC32C();
  crc.update(bytes);
  return crc.toString();
}

describe.each([['memory'], ['disk']])('uploads and downloads through @google-cloud/storage (%s store)', (backend) => {
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-gcs-'));
    h = await startHarness({ rootDir: backend === 'disk' ? join(dir, 'root') : undefined, buckets: ['docs'] });
  });

  afterAll(async () => {
    await h?.gcs.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const requestsSince = (from: number) => h.seen.slice(from);

  async function expectStoredIntact(name: string, contentType: string) {
    const [metadata] = await h.storage.bucket('docs').file(name).getMetadata();
    expect(metadata).toMatchObject({ name, bucket: 'docs', size: String(data.length), contentType, md5Hash: md5, crc32c });
    const [viaCrc] = await h.storage.bucket('docs').file(name).download({ validation: 'crc32c' });
    expect(viaCrc.equals(data)).toBe(true);
  }

  it('simple upload (file.save, resumable: false) goes as one multipart request and stores the bytes', async () => {
    const from = h.seen.length;
    await h.storage
      .bucket('docs')
      .file('simple/report.pdf')
      .save(data, { resumable: false, metadata: { metadata: { owner: 'u1' } } });
    const uploads = requestsSince(from).filter((r) => r.url.startsWith('/upload/'));
    expect(uploads).toHaveLength(1);
    expect(uploads[0].url).toContain('uploadType=multipart');
    await expectStoredIntact('simple/report.pdf', 'application/pdf');
    const [metadata] = await h.storage.bucket('docs').file('simple/report.pdf').getMetadata();
    expect(metadata.metadata).toEqual({ owner: 'u1' });
    expect(Number(metadata.generation)).toBeGreaterThan(0);
    expect(metadata.metageneration).toBe('1');
    expect(new Date(metadata.timeCreated as string).getTime()).not.toBeNaN();
  });

  it('resumable upload (file.save, resumable: true) opens a session and finishes it in one PUT', async () => {
    const from = h.seen.length;
    await h.storage.bucket('docs').file('resumable/data.bin').save(data, { resumable: true, contentType: 'application/octet-stream' });
    const uploads = requestsSince(from).filter((r) => r.url.startsWith('/upload/'));
    expect(uploads[0]).toMatchObject({ method: 'POST' });
    expect(uploads[0].url).toContain('uploadType=resumable');
    expect(uploads.slice(1).every((r) => r.method === 'PUT' && r.url.includes('upload_id='))).toBe(true);
    await expectStoredIntact('resumable/data.bin', 'application/octet-stream');
  });

  it('chunked resumable upload (createWriteStream, chunkSize 256 KiB) sends 20 chunks, answered 308 until the last', async () => {
    const source = join(dir, 'source.bin');
    await writeFile(source, data);
    const from = h.seen.length;
    const writable = h.storage
      .bucket('docs')
      .file('chunked/a b+c.bin')
      .createWriteStream({ resumable: true, chunkSize: 256 * 1024, contentType: 'application/x-test' });
    await pipeline(createReadStream(source), writable);
    const puts = requestsSince(from).filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(20);
    expect(puts[0].contentRange).toBe('bytes 0-262143/*');
    expect(puts[19].contentRange).toBe(`bytes ${19 * 262144}-${data.length - 1}/${data.length}`);
    await expectStoredIntact('chunked/a b+c.bin', 'application/x-test');
  });

  it('streams a download byte-identical with crc32c and with md5 validation', async () => {
    const file = h.storage.bucket('docs').file('simple/report.pdf');
    expect((await collect(file.createReadStream({ validation: 'crc32c' }))).equals(data)).toBe(true);
    expect((await collect(file.createReadStream({ validation: 'md5' }))).equals(data)).toBe(true);
  });

  it("sends the object's generation, hashes, stored size, type and custom metadata with the bytes, as GCS does", async () => {
    const file = h.storage.bucket('docs').file('meta/notes.txt');
    await file.save('notes', { resumable: false, contentType: 'text/plain', metadata: { metadata: { originalName: 'Notes.txt', owner: 'Zoë', note: 'a\nb' } } });
    const [metadata] = await file.getMetadata();
    const stream = file.createReadStream({ validation: 'crc32c' });
    const response = new Promise<{ headers: Record<string, string> }>((resolve) => stream.once('response', resolve));
    expect((await collect(stream)).toString()).toBe('notes');
    const { headers } = await response;
    expect(headers).toMatchObject({
      'x-goog-generation': String(metadata.generation),
      'x-goog-hash': `crc32c=${metadata.crc32c},md5=${metadata.md5Hash}`,
      'x-goog-stored-content-length': '5',
      'content-type': 'text/plain',
      'x-goog-meta-originalname': 'Notes.txt',
      // A header's bytes reach Node as Latin-1: the UTF-8 bytes of the value, as sent.
      'x-goog-meta-owner': Buffer.from('Zoë').toString('latin1'),
      'x-goog-meta-note': 'a%0Ab',
    });
  });

  it('reads a byte range (206) from the middle, the start and the tail', async () => {
    const file = h.storage.bucket('docs').file('chunked/a b+c.bin');
    const middle = await collect(file.createReadStream({ start: 1_000_000, end: 1_300_000 }));
    expect(middle.equals(data.subarray(1_000_000, 1_300_001))).toBe(true);
    const head = await collect(file.createReadStream({ start: 0, end: 0 }));
    expect(head.equals(data.subarray(0, 1))).toBe(true);
    const tail = await collect(file.createReadStream({ end: -10 }));
    expect(tail.equals(data.subarray(data.length - 10))).toBe(true);
  });

  it('file.download({destination}) writes the whole object to a file', async () => {
    const destination = join(dir, 'downloaded.bin');
    await h.storage.bucket('docs').file('resumable/data.bin').download({ destination });
    expect((await readFile(destination)).equals(data)).toBe(true);
  });

  it('stores and serves an empty object', async () => {
    const file = h.storage.bucket('docs').file('empty.txt');
    await file.save(Buffer.alloc(0), { resumable: false });
    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({ size: '0', md5Hash: '1B2M2Y8AsgTpgAmY7PhCfg==', crc32c: 'AAAAAA==' });
    expect((await collect(file.createReadStream())).length).toBe(0);
  });

  it('replacing an object gives a new generation and the new bytes', async () => {
    const file = h.storage.bucket('docs').file('replace.txt');
    await file.save('first version', { resumable: false });
    const [before] = await file.getMetadata();
    await file.save('second', { resumable: true });
    const [after] = await file.getMetadata();
    expect(BigInt(after.generation as string)).toBeGreaterThan(BigInt(before.generation as string));
    expect((await file.download())[0].toString()).toBe('second');
  });
});
