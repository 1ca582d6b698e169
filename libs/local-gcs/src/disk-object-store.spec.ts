import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskObjectStore } from './disk-object-store';
import type { ObjectRecord } from './object-store';
import { collect, startHarness } from './testing/client-harness';

function record(name: string, generation: string, size: number): ObjectRecord {
  const now = new Date().toISOString();
  return {
    bucket: 'docs',
    name,
    size,
    contentType: 'text/plain',
    md5Hash: 'm',
    crc32c: 'c',
    generation,
    metageneration: '1',
    timeCreated: now,
    updated: now,
    metadata: {},
  };
}

describe('DiskObjectStore', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'local-gcs-disk-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function commitText(store: DiskObjectStore, name: string, generation: string, text: string): Promise<void> {
    const sink = await store.newUpload();
    await sink.append(Buffer.from(text));
    await store.commit(sink, record(name, generation, text.length));
  }

  it('keeps buckets and objects across a server restart on the same root', async () => {
    const first = await startHarness({ rootDir: root, buckets: ['docs'] });
    await first.storage
      .bucket('docs')
      .file('kept/file.txt')
      .save('still here', { resumable: false, metadata: { metadata: { k: 'v' } } });
    await first.gcs.stop();

    const second = await startHarness({ rootDir: root });
    try {
      const file = second.storage.bucket('docs').file('kept/file.txt');
      expect((await collect(file.createReadStream({ validation: 'md5' }))).toString()).toBe('still here');
      expect((await file.getMetadata())[0].metadata).toEqual({ k: 'v' });
    } finally {
      await second.gcs.stop();
    }
    // The sidecar is plain JSON a person can read.
    const files = await readdir(join(root, 'docs', 'objects'));
    const sidecar = files.find((f) => f.endsWith('.json'));
    expect(JSON.parse(await readFile(join(root, 'docs', 'objects', sidecar!), 'utf8'))).toMatchObject({ name: 'kept/file.txt', size: 10 });
  });

  it('a reader that opened a version keeps reading it while a new version replaces it', async () => {
    const store = await DiskObjectStore.open(root);
    await store.createBucket({ name: 'docs', timeCreated: '', updated: '' });
    await commitText(store, 'doc', '1', 'old contents');
    const opened = await store.openObject('docs', 'doc');
    await commitText(store, 'doc', '2', 'new!');
    expect((await collect(opened!.read(0, opened!.record.size - 1))).toString()).toBe('old contents');
    const fresh = await store.openObject('docs', 'doc');
    expect((await collect(fresh!.read(0, fresh!.record.size - 1))).toString()).toBe('new!');
    // The replaced version's bytes are gone from disk.
    expect((await readdir(join(root, 'docs', 'objects'))).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
  });

  it('discards unfinished uploads at open and on close', async () => {
    await DiskObjectStore.open(root);
    await writeFile(join(root, '.staging', 'leftover.part'), 'junk'); // as if a run died mid-upload
    const store = await DiskObjectStore.open(root);
    expect(await readdir(join(root, '.staging'))).toEqual([]);
    const sink = await store.newUpload();
    await sink.append(Buffer.from('partial'));
    expect(await readdir(join(root, '.staging'))).toHaveLength(1);
    await store.close();
    expect(await readdir(join(root, '.staging'))).toEqual([]);
  });
});
