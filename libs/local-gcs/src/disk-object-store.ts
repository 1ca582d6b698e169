import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { compareObjectNames } from './object-names';
import type { BucketRecord, ObjectRecord, ObjectStore, OpenedObject, UploadSink } from './object-store';

/*
 * Layout under the root directory:
 *   .staging/<uuid>.part                  bytes of uploads in progress
 *   <bucket>/bucket.json                  the bucket record
 *   <bucket>/objects/<sha256(name)>.json  the object record (sidecar)
 *   <bucket>/objects/<sha256(name)>.<generation>.bin   the object's bytes
 * Files are named by a hash of the object name because names may be 1024 bytes long and contain
 * anything, including "a" and "a/b" side by side. Each generation gets its own data file, so a
 * reader holding an open handle keeps reading the version its record describes.
 */
const STAGING = '.staging';
const MAX_OPEN_ATTEMPTS = 5;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.tmp-${randomUUID()}`;
  await writeFile(temporary, JSON.stringify(value, null, 2));
  await rename(temporary, path);
}

class DiskUploadSink implements UploadSink {
  size = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly onRelease: (sink: DiskUploadSink) => void,
  ) {}

  async append(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
    this.size += chunk.length;
  }

  async finish(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onRelease(this);
    await this.handle.close();
  }

  async discard(): Promise<void> {
    await this.finish();
    await rm(this.path, { force: true });
  }
}

/** Keeps buckets and objects as files under a root directory: for local runs that outlive a process. */
export class DiskObjectStore implements ObjectStore {
  private readonly sinks = new Set<DiskUploadSink>();

  private constructor(readonly root: string) {}

  /** Opens (creating if needed) a store at `root`; leftovers of interrupted uploads are removed. */
  static async open(root: string): Promise<DiskObjectStore> {
    await mkdir(root, { recursive: true });
    await rm(join(root, STAGING), { recursive: true, force: true });
    await mkdir(join(root, STAGING));
    return new DiskObjectStore(root);
  }

  async createBucket(bucket: BucketRecord): Promise<boolean> {
    try {
      await mkdir(this.bucketDir(bucket.name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    await mkdir(this.objectsDir(bucket.name));
    await writeJsonAtomically(join(this.bucketDir(bucket.name), 'bucket.json'), bucket);
    return true;
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    return readJson<BucketRecord>(join(this.bucketDir(name), 'bucket.json'));
  }

  async listBuckets(): Promise<BucketRecord[]> {
    const entries = await readdir(this.root, { withFileTypes: true });
    const buckets: BucketRecord[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name === STAGING) continue;
      const record = await this.getBucket(entry.name);
      if (record) buckets.push(record);
    }
    return buckets.sort((a, b) => compareObjectNames(a.name, b.name));
  }

  async deleteBucket(name: string): Promise<boolean> {
    if (!(await this.getBucket(name))) return false;
    await rm(this.bucketDir(name), { recursive: true, force: true });
    return true;
  }

  async newUpload(): Promise<UploadSink> {
    const path = join(this.root, STAGING, `${randomUUID()}.part`);
    const sink = new DiskUploadSink(path, await open(path, 'wx', 0o600), (released) => this.sinks.delete(released));
    this.sinks.add(sink);
    return sink;
  }

  async commit(sink: UploadSink, record: ObjectRecord): Promise<void> {
    if (!(sink instanceof DiskUploadSink) || !this.sinks.has(sink)) throw new Error('DiskObjectStore.commit needs an open sink it created');
    await sink.finish();
    const previous = await this.getObject(record.bucket, record.name);
    await rename(sink.path, this.dataPath(record.bucket, record.name, record.generation));
    await writeJsonAtomically(this.recordPath(record.bucket, record.name), record);
    if (previous && previous.generation !== record.generation) {
      await rm(this.dataPath(record.bucket, record.name, previous.generation), { force: true });
    }
  }

  async updateRecord(record: ObjectRecord): Promise<void> {
    await writeJsonAtomically(this.recordPath(record.bucket, record.name), record);
  }

  async getObject(bucket: string, name: string): Promise<ObjectRecord | undefined> {
    return readJson<ObjectRecord>(this.recordPath(bucket, name));
  }

  async openObject(bucket: string, name: string): Promise<OpenedObject | undefined> {
    // The record and the data file are separate files: if a new version lands between reading
    // one and opening the other, the old data file is gone, so read the record again.
    for (let attempt = 0; attempt < MAX_OPEN_ATTEMPTS; attempt++) {
      const record = await this.getObject(bucket, name);
      if (!record) return undefined;
      let handle: FileHandle;
      try {
        handle = await open(this.dataPath(bucket, name, record.generation), 'r');
      } catch (error) {
        if (isMissing(error)) continue;
        throw error;
      }
      return {
        record,
        read: (start, end) => {
          if (end < start) {
            void handle.close();
            return Readable.from([], { objectMode: false });
          }
          return handle.createReadStream({ start, end, autoClose: true });
        },
        close: () => handle.close(),
      };
    }
    throw new Error(`${bucket}/${name} kept changing while being opened`);
  }

  async listObjects(bucket: string, prefix: string): Promise<ObjectRecord[]> {
    let files: string[];
    try {
      files = await readdir(this.objectsDir(bucket));
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const records: ObjectRecord[] = [];
    for (const file of files) {
      if (!file.endsWith('.json')) continue;
      const record = await readJson<ObjectRecord>(join(this.objectsDir(bucket), file));
      if (record && record.name.startsWith(prefix)) records.push(record);
    }
    return records.sort((a, b) => compareObjectNames(a.name, b.name));
  }

  async deleteObject(bucket: string, name: string): Promise<boolean> {
    const record = await this.getObject(bucket, name);
    if (!record) return false;
    await rm(this.recordPath(bucket, name), { force: true });
    await rm(this.dataPath(bucket, name, record.generation), { force: true });
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.sinks].map((sink) => sink.discard()));
  }

  private bucketDir(bucket: string): string {
    return join(this.root, bucket);
  }

  private objectsDir(bucket: string): string {
    return join(this.root, bucket, 'objects');
  }

  private fileStem(bucket: string, name: string): string {
    return join(this.objectsDir(bucket), createHash('sha256').update(name).digest('hex'));
  }

  private recordPath(bucket: string, name: string): string {
    return `${this.fileStem(bucket, name)}.json`;
  }

  private dataPath(bucket: string, name: string, generation: string): string {
    return `${this.fileStem(bucket, name)}.${generation}.bin`;
  }
}
