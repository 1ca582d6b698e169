import type { ContentHashes } from './content-hasher';
import { badRequest, conflict, GcsHttpError, noSuchBucket, noSuchObject } from './gcs-errors';
import { GenerationClock } from './generation-clock';
import { KeyedLock } from './keyed-lock';
import { listPage, type ListPage, type ListQuery } from './list-objects';
import type { BucketRecord, ObjectRecord, ObjectStore, OpenedObject } from './object-store';
import type { ObjectTarget } from './object-target';
import { PendingUpload } from './pending-upload';
import { checkPreconditions, type Preconditions } from './preconditions';

// GCS naming rules: 3-63 characters (up to 222 with dots), lowercase letters, digits, - _ .,
// starting and ending with a letter or digit. Also keeps bucket names safe as directory names.
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

export function assertValidBucketName(name: string): void {
  if (!BUCKET_NAME.test(name) || name.includes('..')) {
    throw badRequest(`"${name}" is not a valid bucket name: use 3-63 lowercase letters, digits, "-", "_" or ".", starting and ending with a letter or digit`);
  }
}

/** Fields a metadata patch may change; `null` in `metadata` removes that key. */
export interface ObjectPatch {
  contentType?: string;
  contentEncoding?: string | null;
  contentDisposition?: string | null;
  contentLanguage?: string | null;
  cacheControl?: string | null;
  metadata?: Record<string, string | null> | null;
}

/** The storage semantics (names, preconditions, generations, hashes) over an ObjectStore. */
export class GcsService {
  private readonly writes = new KeyedLock();
  private readonly clock = new GenerationClock();

  constructor(readonly store: ObjectStore) {}

  async createBucket(name: string): Promise<BucketRecord> {
    assertValidBucketName(name);
    const now = new Date().toISOString();
    const record: BucketRecord = { name, timeCreated: now, updated: now };
    if (!(await this.store.createBucket(record))) {
      throw conflict('Your previous request to create the named bucket succeeded and you already own it.');
    }
    return record;
  }

  /** Creates the bucket unless it exists. */
  async ensureBucket(name: string): Promise<void> {
    assertValidBucketName(name);
    if (await this.store.getBucket(name)) return;
    try {
      await this.createBucket(name);
    } catch (error) {
      // Created meanwhile by another request: that is the state asked for.
      if (!(error instanceof GcsHttpError && error.status === 409)) throw error;
    }
  }

  async requireBucket(name: string): Promise<BucketRecord> {
    assertValidBucketName(name);
    const bucket = await this.store.getBucket(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }

  listBuckets(): Promise<BucketRecord[]> {
    return this.store.listBuckets();
  }

  async deleteBucket(name: string): Promise<void> {
    await this.requireBucket(name);
    if ((await this.store.listObjects(name, '')).length > 0) throw conflict('The bucket you tried to delete is not empty.');
    await this.store.deleteBucket(name);
  }

  async getObject(bucket: string, name: string, generation: string | null, conditions: Preconditions): Promise<ObjectRecord> {
    await this.requireBucket(bucket);
    const record = await this.store.getObject(bucket, name);
    if (!record || (generation !== null && generation !== record.generation)) throw noSuchObject(bucket, name);
    checkPreconditions(record, conditions);
    return record;
  }

  /** A consistent record-and-bytes handle; the caller must read or close it. */
  async openObject(bucket: string, name: string, generation: string | null, conditions: Preconditions): Promise<OpenedObject> {
    await this.requireBucket(bucket);
    const opened = await this.store.openObject(bucket, name);
    if (!opened) throw noSuchObject(bucket, name);
    try {
      if (generation !== null && generation !== opened.record.generation) throw noSuchObject(bucket, name);
      checkPreconditions(opened.record, conditions);
    } catch (error) {
      await opened.close();
      throw error;
    }
    return opened;
  }

  async listObjects(bucket: string, query: ListQuery): Promise<ListPage> {
    await this.requireBucket(bucket);
    return listPage(await this.store.listObjects(bucket, query.prefix), query);
  }

  async deleteObject(bucket: string, name: string, conditions: Preconditions): Promise<void> {
    await this.requireBucket(bucket);
    await this.writes.run(`${bucket}/${name}`, async () => {
      const current = await this.store.getObject(bucket, name);
      if (!current) throw noSuchObject(bucket, name);
      checkPreconditions(current, conditions);
      await this.store.deleteObject(bucket, name);
    });
  }

  async patchObject(bucket: string, name: string, patch: ObjectPatch, conditions: Preconditions): Promise<ObjectRecord> {
    await this.requireBucket(bucket);
    return this.writes.run(`${bucket}/${name}`, async () => {
      const current = await this.store.getObject(bucket, name);
      if (!current) throw noSuchObject(bucket, name);
      checkPreconditions(current, conditions);
      const next: ObjectRecord = { ...current, metadata: { ...current.metadata } };
      if (typeof patch.contentType === 'string') next.contentType = patch.contentType;
      for (const field of ['contentEncoding', 'contentDisposition', 'contentLanguage', 'cacheControl'] as const) {
        if (patch[field] === null) delete next[field];
        else if (typeof patch[field] === 'string') next[field] = patch[field] as string;
      }
      if (patch.metadata === null) next.metadata = {};
      else if (patch.metadata) {
        for (const [key, value] of Object.entries(patch.metadata)) {
          if (value === null) delete next.metadata[key];
          else next.metadata[key] = String(value);
        }
      }
      next.metageneration = String(Number(current.metageneration) + 1);
      next.updated = new Date().toISOString();
      await this.store.updateRecord(next);
      return next;
    });
  }

  async beginUpload(): Promise<PendingUpload> {
    return new PendingUpload(await this.store.newUpload());
  }

  /**
   * Makes an upload's bytes the object `target` names. Hashes the client claims (X-Goog-Hash or
   * the resource's crc32c/md5Hash) must match the bytes received, or nothing is stored.
   */
  async commitUpload(upload: PendingUpload, target: ObjectTarget, claimed: Partial<ContentHashes>): Promise<ObjectRecord> {
    try {
      const hashes = upload.hasher.digest();
      for (const source of [claimed, target.declaredHashes]) {
        if (source.crc32c && source.crc32c !== hashes.crc32c) {
          throw badRequest(`Provided CRC32C "${source.crc32c}" doesn't match calculated CRC32C "${hashes.crc32c}".`);
        }
        if (source.md5Hash && source.md5Hash !== hashes.md5Hash) {
          throw badRequest(`Provided MD5 hash "${source.md5Hash}" doesn't match calculated MD5 hash "${hashes.md5Hash}".`);
        }
      }
      await this.requireBucket(target.bucket);
      return await this.writes.run(`${target.bucket}/${target.name}`, async () => {
        checkPreconditions(await this.store.getObject(target.bucket, target.name), target.preconditions);
        const now = new Date().toISOString();
        const record: ObjectRecord = {
          bucket: target.bucket,
          name: target.name,
          size: upload.size,
          contentType: target.contentType,
          ...(target.contentEncoding && { contentEncoding: target.contentEncoding }),
          ...(target.contentDisposition && { contentDisposition: target.contentDisposition }),
          ...(target.contentLanguage && { contentLanguage: target.contentLanguage }),
          ...(target.cacheControl && { cacheControl: target.cacheControl }),
          md5Hash: hashes.md5Hash,
          crc32c: hashes.crc32c,
          generation: this.clock.next(),
          metageneration: '1',
          timeCreated: now,
          updated: now,
          metadata: target.metadata,
        };
        await this.store.commit(upload.sink, record);
        return record;
      });
    } catch (error) {
      await upload.discard();
      throw error;
    }
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
