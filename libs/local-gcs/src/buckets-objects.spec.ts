import { ApiError, Storage } from '@google-cloud/storage';
import { createHash } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import { collect, rejection, startHarness, type Harness } from './testing/client-harness';

/** A GET with no Accept-Encoding (fetch would add one and unzip on its own). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ res: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      collect(res).then((body) => resolve({ res, body }), reject);
    }).on('error', reject);
  });
}

describe('buckets, metadata, listing and deletion through @google-cloud/storage', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h?.gcs.stop();
  });

  it('creates a bucket, then answers 409 to creating it again; get and list find it', async () => {
    const [bucket] = await h.storage.createBucket('fresh-bucket');
    expect(bucket.name).toBe('fresh-bucket');
    const creation = h.seen.find((r) => r.method === 'POST' && r.url.startsWith('/storage/v1/b?'));
    expect(creation?.url).toContain('project=local');

    const again = await rejection(h.storage.createBucket('fresh-bucket'));
    expect(again).toBeInstanceOf(ApiError);
    expect(again.code).toBe(409);

    expect((await h.storage.bucket('fresh-bucket').exists())[0]).toBe(true);
    expect((await h.storage.bucket('no-such-bucket').exists())[0]).toBe(false);
    const [metadata] = await h.storage.bucket('fresh-bucket').getMetadata();
    expect(metadata).toMatchObject({ name: 'fresh-bucket', id: 'fresh-bucket' });
    const [all] = await h.storage.getBuckets();
    expect(all.map((b) => b.name)).toContain('fresh-bucket');
  });

  it('refuses an invalid bucket name with a 400 naming the rule', async () => {
    const error = await rejection(h.storage.createBucket('Bad_Name!'));
    expect(error.code).toBe(400);
    expect(error.message).toMatch(/not a valid bucket name/);
  });

  it('answers 404 (the client ApiError) for a missing object, for metadata and for a download', async () => {
    await h.storage.createBucket('misses');
    const file = h.storage.bucket('misses').file('nope/never.pdf');
    const metadataError = await rejection(file.getMetadata());
    expect(metadataError).toBeInstanceOf(ApiError);
    expect(metadataError.code).toBe(404);
    expect(metadataError.message).toMatch(/No such object: misses\/nope\/never\.pdf/);
    const downloadError = await rejection(collect(file.createReadStream()));
    expect(downloadError.code).toBe(404);
    expect((await file.exists())[0]).toBe(false);
    const bucketError = await rejection(h.storage.bucket('absent-bucket').file('x').getMetadata());
    expect(bucketError.code).toBe(404);
  });

  it('lists by prefix, by delimiter, and page by page', async () => {
    await h.storage.createBucket('listing');
    const bucket = h.storage.bucket('listing');
    const names = ['a/1.txt', 'a/2.txt', 'a/sub/3.txt', 'b/1.txt', 'top.txt'];
    for (const name of names) await bucket.file(name).save(name, { resumable: false });

    const [underA] = await bucket.getFiles({ prefix: 'a/' });
    expect(underA.map((f) => f.name)).toEqual(['a/1.txt', 'a/2.txt', 'a/sub/3.txt']);
    expect(underA[0].metadata.size).toBe(String('a/1.txt'.length));

    const [direct, , response] = await bucket.getFiles({ prefix: 'a/', delimiter: '/', autoPaginate: false });
    expect(direct.map((f) => f.name)).toEqual(['a/1.txt', 'a/2.txt']);
    expect((response as { prefixes?: string[] }).prefixes).toEqual(['a/sub/']);

    const [rootLevel, , rootResponse] = await bucket.getFiles({ delimiter: '/', autoPaginate: false });
    expect(rootLevel.map((f) => f.name)).toEqual(['top.txt']);
    expect((rootResponse as { prefixes?: string[] }).prefixes).toEqual(['a/', 'b/']);

    const seen: string[] = [];
    let query: object | null = { maxResults: 2, autoPaginate: false };
    let pages = 0;
    while (query) {
      const [files, next]: [{ name: string }[], object | null, unknown] = await bucket.getFiles(query);
      seen.push(...files.map((f) => f.name));
      query = next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(names);
  });

  it('deletes an object (then it is gone), and a second delete is a 404', async () => {
    await h.storage.createBucket('deletions');
    const file = h.storage.bucket('deletions').file('dir/victim.txt');
    await file.save('bye', { resumable: false });
    const from = h.seen.length;
    await file.delete();
    expect(h.seen.slice(from).some((r) => r.method === 'DELETE')).toBe(true);
    expect((await file.exists())[0]).toBe(false);
    const again = await rejection(file.delete());
    expect(again.code).toBe(404);
  });

  it('patches custom metadata and content type, bumping metageneration', async () => {
    await h.storage.createBucket('patches');
    const file = h.storage.bucket('patches').file('doc.txt');
    await file.save('text', { resumable: false, metadata: { metadata: { keep: 'yes', drop: 'soon' } } });
    await file.setMetadata({ contentType: 'text/markdown', metadata: { drop: null, added: '1' } });
    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({ contentType: 'text/markdown', metageneration: '2', metadata: { keep: 'yes', added: '1' } });
    expect(metadata.metadata).not.toHaveProperty('drop');
  });

  it('honours ifGenerationMatch: 0 (create only if absent) with a 412', async () => {
    await h.storage.createBucket('preconditions');
    const file = h.storage.bucket('preconditions').file('once.txt');
    await file.save('first', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const error = await rejection(file.save('second', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }));
    expect(error.code).toBe(412);
    expect((await file.download())[0].toString()).toBe('first');
  });

  it('refuses an upload whose declared md5 does not match its bytes, storing nothing', async () => {
    await h.storage.createBucket('declared-hashes');
    const file = h.storage.bucket('declared-hashes').file('lies.txt');
    const wrong = createHash('md5').update('something else').digest('base64');
    const error = await rejection(file.save('actual bytes', { resumable: false, metadata: { md5Hash: wrong } }));
    expect(error.code).toBe(400);
    expect(error.message).toMatch(/MD5/);
    expect((await file.exists())[0]).toBe(false);
  });

  it('stores gzip-encoded uploads as sent and serves them so the client validates and unzips', async () => {
    await h.storage.createBucket('gzipped');
    const text = 'compressible line\n'.repeat(5000);
    const file = h.storage.bucket('gzipped').file('notes.txt');
    await file.save(text, { resumable: false, gzip: true, contentType: 'text/plain' });
    const [metadata] = await file.getMetadata();
    expect(metadata.contentEncoding).toBe('gzip');
    expect(Number(metadata.size)).toBeLessThan(text.length / 10);
    expect((await collect(file.createReadStream({ validation: 'crc32c' }))).toString()).toBe(text);

    // A reader that does not accept gzip gets it unzipped (GCS's decompressive transcoding).
    const { res, body } = await rawGet(`${h.gcs.url}/download/storage/v1/b/gzipped/o/notes.txt?alt=media`);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['x-goog-stored-content-encoding']).toBe('gzip');
    expect(body.toString()).toBe(text);
  });

  it('sends the hash, encoding and generation headers with media, 206 for ranges and 416 past the end', async () => {
    await h.storage.createBucket('headers');
    const file = h.storage.bucket('headers').file('h.txt');
    await file.save('0123456789', { resumable: false, contentType: 'text/plain' });
    const [metadata] = await file.getMetadata();
    const objectUrl = `${h.gcs.url}/storage/v1/b/headers/o/h.txt?alt=media`;

    const whole = await rawGet(objectUrl);
    expect(whole.res.statusCode).toBe(200);
    expect(whole.res.headers).toMatchObject({
      'x-goog-hash': `crc32c=${metadata.crc32c},md5=${metadata.md5Hash}`,
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-generation': metadata.generation,
      'x-goog-metageneration': '1',
      'content-length': '10',
      'content-type': 'text/plain',
    });

    const part = await rawGet(objectUrl, { Range: 'bytes=2-4' });
    expect(part.res.statusCode).toBe(206);
    expect(part.res.headers['content-range']).toBe('bytes 2-4/10');
    expect(part.body.toString()).toBe('234');

    const past = await rawGet(objectUrl, { Range: 'bytes=10-' });
    expect(past.res.statusCode).toBe(416);
    expect(past.res.headers['content-range']).toBe('bytes */10');
    expect(JSON.parse(past.body.toString())).toMatchObject({ error: { code: 416 } });
  });

  it('keeps object names with slashes, spaces, unicode and percent signs intact', async () => {
    await h.storage.createBucket('odd-names');
    const bucket = h.storage.bucket('odd-names');
    const names = ['dir/sub dir/ä ü 📄.pdf', '100%/a+b=c&d?.txt', 'x/../y'];
    for (const name of names) await bucket.file(name).save(name, { resumable: true });
    for (const name of names) expect((await bucket.file(name).download())[0].toString()).toBe(name);
    const [listed] = await bucket.getFiles();
    expect(listed.map((f) => f.name).sort()).toEqual([...names].sort());
  });

  it('deletes an empty bucket, and refuses one that still holds objects with a 409', async () => {
    await h.storage.createBucket('short-lived');
    await h.storage.bucket('short-lived').file('x').save('x', { resumable: false });
    expect((await rejection(h.storage.bucket('short-lived').delete())).code).toBe(409);
    await h.storage.bucket('short-lived').file('x').delete();
    await h.storage.bucket('short-lived').delete();
    expect((await h.storage.bucket('short-lived').exists())[0]).toBe(false);
  });

  it('also serves a client configured through STORAGE_EMULATOR_HOST (paths without /storage/v1)', async () => {
    process.env.STORAGE_EMULATOR_HOST = h.gcs.url;
    let storage: Storage;
    try {
      storage = new Storage({ projectId: 'local' });
    } finally {
      delete process.env.STORAGE_EMULATOR_HOST;
    }
    const from = h.seen.length;
    await storage.createBucket('via-emulator-host');
    const file = storage.bucket('via-emulator-host').file('a/b.txt');
    await file.save('emulated', { resumable: true });
    expect((await file.download({ validation: 'crc32c' }))[0].toString()).toBe('emulated');
    expect(h.seen.slice(from).some((r) => r.url.startsWith('/b/via-emulator-host/o/'))).toBe(true);
  });
});
