import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Storage } from '@google-cloud/storage';
import { localStorageOptions, startLocalGcs, type LocalGcs } from '@docingest/local-gcs';
import { downloadObject, GcsAccessError, statObject } from './index';

describe('downloadObject', () => {
  let gcs: LocalGcs;
  let storage: Storage;
  const bytes = randomBytes(300_000);

  /** Every request the GCS server was sent, as `METHOD path?query`. */
  const requests: string[] = [];

  beforeAll(async () => {
    gcs = await startLocalGcs({ buckets: ['docs'] });
    gcs.server.on('request', (req: IncomingMessage) => requests.push(`${req.method} ${req.url}`));
    storage = new Storage(localStorageOptions(gcs.url));
    await storage
      .bucket('docs')
      .file('a/report.pdf')
      .save(bytes, { resumable: false, contentType: 'application/pdf', metadata: { metadata: { originalName: 'Q3 report.pdf' } } });
    await storage.bucket('docs').file('a/empty.txt').save(Buffer.alloc(0), { resumable: false });
  });
  afterAll(() => gcs.stop());

  it('streams the object to a private temporary file and removes it on cleanup', async () => {
    const object = await downloadObject(storage, { bucket: 'docs', key: 'a/report.pdf' }, { maxBytes: 1_000_000 });
    const path = object.path ?? '';
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(object).toMatchObject({ size: bytes.length, contentType: 'application/pdf', fileName: 'Q3 report.pdf' });
    await object.cleanup();
    expect(existsSync(dirname(path))).toBe(false);
  });

  it('reads an object within inMemoryMaxBytes into memory, checked, with no temporary file made', async () => {
    // A private temporary directory shows whatever a download makes there.
    const tempDir = mkdtempSync(join(tmpdir(), 'download-spec-'));
    const options = { maxBytes: 1_000_000, tempDir };
    try {
      const object = await downloadObject(storage, { bucket: 'docs', key: 'a/report.pdf' }, { ...options, inMemoryMaxBytes: bytes.length });
      expect(object.path).toBeUndefined();
      expect(object.bytes?.equals(bytes)).toBe(true);
      expect(object).toMatchObject({ size: bytes.length, contentType: 'application/pdf', fileName: 'Q3 report.pdf' });
      await object.cleanup();
      // One byte over the limit: a temporary file after all.
      expect(readdirSync(tempDir)).toEqual([]);
      const larger = await downloadObject(storage, { bucket: 'docs', key: 'a/report.pdf' }, { ...options, inMemoryMaxBytes: bytes.length - 1 });
      expect(larger.bytes).toBeUndefined();
      expect(readdirSync(tempDir)).toHaveLength(1);
      await larger.cleanup();
      gcs.faults.corruptDownloads = true;
      await expect(downloadObject(storage, { bucket: 'docs', key: 'a/report.pdf' }, { ...options, inMemoryMaxBytes: bytes.length })).rejects.toMatchObject({
        code: 'integrity',
        statusCode: 502,
      });
    } finally {
      gcs.faults.corruptDownloads = false;
    }
    expect(readdirSync(tempDir)).toEqual([]);
    rmSync(tempDir, { recursive: true, force: true });
  });

  it('downloads in one request: size, type, name and version from the download itself, as the metadata says them', async () => {
    const ref = { bucket: 'docs', key: 'a/report.pdf' };
    const from = requests.length;
    const object = await downloadObject(storage, ref, { maxBytes: 1_000_000, inMemoryMaxBytes: 1_000_000 });
    expect(requests.slice(from)).toEqual([expect.stringMatching(/^GET .*alt=media/)]);
    const stat = await statObject(storage, ref);
    expect(object).toMatchObject({ size: stat.size, contentType: stat.contentType, fileName: 'Q3 report.pdf', version: stat.version });
    expect(object.bytes?.equals(bytes)).toBe(true);
  });

  it('takes a name in other characters than plain ASCII from the metadata, exactly, and an object without one by its key', async () => {
    for (const [key, originalName] of [
      ['a/umlaut.txt', 'Prüfbericht 3–4 (final).txt'],
      ['a/percent.txt', '100% done.txt'],
      ['a/nameless.txt', undefined],
    ] as const) {
      await storage
        .bucket('docs')
        .file(key)
        .save('text', { resumable: false, metadata: originalName ? { metadata: { originalName } } : {} });
      const from = requests.length;
      const object = await downloadObject(storage, { bucket: 'docs', key }, { maxBytes: 1000, inMemoryMaxBytes: 1000 });
      expect(object.fileName).toBe(originalName ?? 'nameless.txt');
      expect(requests.slice(from)).toHaveLength(originalName ? 2 : 1);
    }
  });

  it("names the object's version (generation and CRC32C) without downloading it, and a new upload gets a new one", async () => {
    const ref = { bucket: 'docs', key: 'a/versioned.txt' };
    await storage.bucket('docs').file(ref.key).save('first', { resumable: false });
    const first = await statObject(storage, ref);
    expect(first.version.generation).toMatch(/^\d+$/);
    expect(first.version.crc32c).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const downloaded = await downloadObject(storage, ref, { maxBytes: 1000 }, first);
    expect(downloaded.version).toEqual(first.version);
    await downloaded.cleanup();
    await storage.bucket('docs').file(ref.key).save('second', { resumable: false });
    const second = await statObject(storage, ref);
    expect(second.version.generation).not.toBe(first.version.generation);
    expect(second.version.crc32c).not.toBe(first.version.crc32c);
    await storage.bucket('docs').file(ref.key).save('second', { resumable: false });
    const same = await statObject(storage, ref);
    expect(same.version).toEqual({ generation: expect.not.stringMatching(`^${second.version.generation}$`), crc32c: second.version.crc32c });
  });

  const failure = async (key: string, maxBytes = 1_000_000) => {
    try {
      await downloadObject(storage, { bucket: 'docs', key }, { maxBytes });
    } catch (error) {
      return error as GcsAccessError;
    }
    throw new Error('expected the download to fail');
  };

  it('refuses an object over the size limit from its metadata', async () => {
    const from = requests.length;
    const error = await failure('a/report.pdf', 1000);
    expect(requests.slice(from)).toHaveLength(1);
    expect(error).toMatchObject({ code: 'too_large', statusCode: 413 });
    expect(error.message).toBe(`the file is ${bytes.length} bytes, over the limit of 1000 bytes`);
  });

  it('answers a missing object with not_found and an empty one with empty', async () => {
    const missing = await failure('a/missing.pdf');
    expect(missing).toMatchObject({ code: 'not_found', statusCode: 404, message: 'gs://docs/a/missing.pdf does not exist' });
    expect(await failure('a/empty.txt')).toMatchObject({ code: 'empty', statusCode: 422 });
  });

  it('fails a download whose bytes do not match the stored checksum, leaving no file', async () => {
    gcs.faults.corruptDownloads = true;
    try {
      const error = await failure('a/report.pdf');
      expect(error).toMatchObject({ code: 'integrity', statusCode: 502 });
    } finally {
      gcs.faults.corruptDownloads = false;
    }
  });
});
