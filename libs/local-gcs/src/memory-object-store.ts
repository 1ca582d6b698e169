import { Readable } from 'node:stream';
import { compareObjectNames } from './object-names';
import type { BucketRecord, ObjectRecord, ObjectStore, OpenedObject, UploadSink } from './object-store';

class MemoryUploadSink implements UploadSink {
  private chunks: Buffer[] = [];
  size = 0;

  async append(chunk: Buffer): Promise<void> {
    this.chunks.push(Buffer.from(chunk)); // copy: the caller may reuse its buffer
    this.size += chunk.length;
  }

  async discard(): Promise<void> {
    this.chunks = [];
  }

  take(): Buffer {
    const bytes = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    return bytes;
  }
}

interface StoredBucket {
  record: BucketRecord;
  objects: Map<string, { record: ObjectRecord; bytes: Buffer }>;
}

/** Keeps everything in this process's memory: for tests. */
export class MemoryObjectStore implements ObjectStore {
  private readonly buckets = new Map<string, StoredBucket>();

  async createBucket(bucket: BucketRecord): Promise<boolean> {
    if (this.buckets.has(bucket.name)) return false;
    this.buckets.set(bucket.name, { record: { ...bucket }, objects: new Map() });
    return true;
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const found = this.buckets.get(name);
    return found && { ...found.record };
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return [...this.buckets.values()].map((b) => ({ ...b.record })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async deleteBucket(name: string): Promise<boolean> {
    return this.buckets.delete(name);
  }

  async newUpload(): Promise<UploadSink> {
    return new MemoryUploadSink();
  }

  async commit(sink: UploadSink, record: ObjectRecord): Promise<void> {
    if (!(sink instanceof MemoryUploadSink)) throw new Error('MemoryObjectStore.commit needs a sink it created');
    this.bucketOrThrow(record.bucket).objects.set(record.name, { record: { ...record }, bytes: sink.take() });
  }

  async updateRecord(record: ObjectRecord): Promise<void> {
    const current = this.bucketOrThrow(record.bucket).objects.get(record.name);
    if (!current) throw new Error(`no object ${record.bucket}/${record.name} to update`);
    current.record = { ...record };
  }

  async getObject(bucket: string, name: string): Promise<ObjectRecord | undefined> {
    const found = this.buckets.get(bucket)?.objects.get(name);
    return found && { ...found.record, metadata: { ...found.record.metadata } };
  }

  async openObject(bucket: string, name: string): Promise<OpenedObject | undefined> {
    const found = this.buckets.get(bucket)?.objects.get(name);
    if (!found) return undefined;
    const { bytes } = found; // a later commit replaces the entry, never mutates these bytes
    return {
      record: { ...found.record, metadata: { ...found.record.metadata } },
      read: (start, end) => Readable.from([bytes.subarray(start, end + 1)], { objectMode: false }),
      close: async () => undefined,
    };
  }

  async listObjects(bucket: string, prefix: string): Promise<ObjectRecord[]> {
    const objects = this.buckets.get(bucket)?.objects;
    if (!objects) return [];
    return [...objects.values()]
      .map((o) => o.record)
      .filter((r) => r.name.startsWith(prefix))
      .sort((a, b) => compareObjectNames(a.name, b.name))
      .map((r) => ({ ...r, metadata: { ...r.metadata } }));
  }

  async deleteObject(bucket: string, name: string): Promise<boolean> {
    return this.buckets.get(bucket)?.objects.delete(name) ?? false;
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  private bucketOrThrow(name: string): StoredBucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new Error(`bucket ${name} does not exist`);
    return bucket;
  }
}
