import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Storage } from '@google-cloud/storage';
import type { ObjectVersion } from '@docingest/contracts';
import { GcsAccessError } from './gcs-errors';
import type { ObjectRef } from './resolve-object';

/** What an object's metadata says, read before (and without) downloading it. */
export interface ObjectStat {
  size: number;
  contentType: string | undefined;
  fileName: string;
  /** Custom metadata set on the object at upload. */
  metadata: Record<string, string>;
  /** The object's generation and CRC32C: together they name exactly these bytes (docs/wire-contract.md#re-ingestion). */
  version: ObjectVersion;
}

/** Where a downloaded object's bytes are: a private temporary file, or memory (a small object). */
export type DownloadedBytes = { path: string; bytes?: undefined } | { bytes: Buffer; path?: undefined };

export type DownloadedObject = DownloadedBytes & {
  size: number;
  version: ObjectVersion;
  contentType: string | undefined;
  fileName: string;
  /** Custom metadata set on the object at upload. */
  metadata: Record<string, string>;
  /** Removes the temporary file and its directory, if there is one; safe to call twice. */
  cleanup(): Promise<void>;
};

export interface DownloadOptions {
  maxBytes: number;
  /**
   * An object of at most this many bytes is read into memory (`bytes`) instead of a temporary
   * file: no directory to make, no file to write, read back and remove. Default 0: always a file.
   */
  inMemoryMaxBytes?: number;
  /** Where a temporary copy's private directory is made; default the system's temporary directory. */
  tempDir?: string;
  signal?: AbortSignal;
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** Reads an object's metadata: 404 and other failures as clear errors, nothing downloaded. */
export async function statObject(storage: Storage, ref: ObjectRef): Promise<ObjectStat> {
  const file = storage.bucket(ref.bucket).file(ref.key);
  let metadata;
  try {
    [metadata] = await file.getMetadata();
  } catch (error) {
    if (statusOf(error) === 404) throw new GcsAccessError('not_found', 404, `gs://${ref.bucket}/${ref.key} does not exist`);
    throw new GcsAccessError('download_failed', 502, `could not read gs://${ref.bucket}/${ref.key}: ${(error as Error).message}`);
  }
  const custom = (metadata.metadata ?? {}) as Record<string, unknown>;
  return {
    size: Number(metadata.size ?? 0),
    contentType: metadata.contentType,
    fileName: typeof custom.originalName === 'string' ? custom.originalName : basename(ref.key),
    metadata: Object.fromEntries(Object.entries(custom).map(([k, v]) => [k, String(v)])),
    version: { generation: String(metadata.generation ?? ''), crc32c: String(metadata.crc32c ?? '') },
  };
}

/**
 * Streams an object to a private temporary file, or into memory when it is small enough
 * (`inMemoryMaxBytes`), with the client's CRC32C check on. The size
 * limit is checked from the object's metadata (`stat`, read here when not given) before a byte is
 * downloaded. On any failure the temporary file is already gone when this rejects. Should the
 * object be overwritten between the metadata read and the download, the version reported is the
 * older one: a later re-ingestion then does the work again rather than skip a change.
 */
export async function downloadObject(storage: Storage, ref: ObjectRef, options: DownloadOptions, stat?: ObjectStat): Promise<DownloadedObject> {
  const file = storage.bucket(ref.bucket).file(ref.key);
  const object = stat ?? (await statObject(storage, ref));
  const { size } = object;
  if (size > options.maxBytes) {
    throw new GcsAccessError('too_large', 413, `the file is ${size} bytes, over the limit of ${options.maxBytes} bytes`);
  }
  if (size === 0) throw new GcsAccessError('empty', 422, 'the file is empty');

  const facts = { size, contentType: object.contentType, fileName: object.fileName, metadata: object.metadata, version: object.version };
  if (size <= (options.inMemoryMaxBytes ?? 0)) {
    const pieces: Buffer[] = [];
    await pipeline(
      file.createReadStream({ validation: 'crc32c' }),
      async (source: AsyncIterable<Buffer>) => {
        for await (const piece of source) pieces.push(piece);
      },
      { signal: options.signal },
    ).catch((error) => Promise.reject(downloadError(ref, error)));
    return { ...facts, bytes: Buffer.concat(pieces), cleanup: async () => undefined };
  }

  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'ingest-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'object');
  try {
    await pipeline(file.createReadStream({ validation: 'crc32c' }), createWriteStream(path, { mode: 0o600 }), {
      signal: options.signal,
    });
  } catch (error) {
    await cleanup();
    throw downloadError(ref, error);
  }
  return { ...facts, path, cleanup };
}

function downloadError(ref: ObjectRef, error: unknown): GcsAccessError {
  const message = (error as Error).message ?? String(error);
  if (/mismatch|checksum|CONTENT_DOWNLOAD_MISMATCH/i.test(message) || (error as { code?: string }).code === 'CONTENT_DOWNLOAD_MISMATCH') {
    return new GcsAccessError('integrity', 502, `the download of gs://${ref.bucket}/${ref.key} failed its integrity check; try again`);
  }
  return new GcsAccessError('download_failed', 502, `could not download gs://${ref.bucket}/${ref.key}: ${message}`);
}
