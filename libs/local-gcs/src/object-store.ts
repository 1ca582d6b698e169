import type { Readable } from 'node:stream';

export interface BucketRecord {
  name: string;
  timeCreated: string;
  updated: string;
}

/** Everything kept about one object besides its bytes (the disk store's sidecar JSON). */
export interface ObjectRecord {
  bucket: string;
  name: string;
  size: number;
  contentType: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  md5Hash: string;
  crc32c: string;
  generation: string;
  metageneration: string;
  timeCreated: string;
  updated: string;
  metadata: Record<string, string>;
}

/** Bytes of an upload in progress; they become an object only on commit. */
export interface UploadSink {
  readonly size: number;
  append(chunk: Buffer): Promise<void>;
  /** Drops the bytes; safe to call twice and after commit. */
  discard(): Promise<void>;
}

/** A consistent view of one object: the record and a handle on exactly the bytes it describes. */
export interface OpenedObject {
  record: ObjectRecord;
  /** Takes ownership: streams bytes start..end (inclusive) and releases the handle when done. */
  read(start: number, end: number): Readable;
  /** Releases the handle when the bytes are not read. */
  close(): Promise<void>;
}

/**
 * Where buckets and objects live. Callers serialise writes to one object name (the server does,
 * with a keyed lock), so implementations need only be safe against concurrent readers.
 */
export interface ObjectStore {
  /** false when it already exists. */
  createBucket(bucket: BucketRecord): Promise<boolean>;
  getBucket(name: string): Promise<BucketRecord | undefined>;
  listBuckets(): Promise<BucketRecord[]>;
  /** Deletes an empty bucket; false when it does not exist. */
  deleteBucket(name: string): Promise<boolean>;

  newUpload(): Promise<UploadSink>;
  /** Makes the sink's bytes the content of `record` (replacing any previous version). */
  commit(sink: UploadSink, record: ObjectRecord): Promise<void>;
  /** Replaces the record of an existing object, keeping its bytes (metadata patches). */
  updateRecord(record: ObjectRecord): Promise<void>;
  getObject(bucket: string, name: string): Promise<ObjectRecord | undefined>;
  openObject(bucket: string, name: string): Promise<OpenedObject | undefined>;
  /** Records of every object in the bucket whose name starts with `prefix`, sorted by name. */
  listObjects(bucket: string, prefix: string): Promise<ObjectRecord[]>;
  /** false when it does not exist. */
  deleteObject(bucket: string, name: string): Promise<boolean>;
  /** Releases resources (open upload sinks). */
  close(): Promise<void>;
}
