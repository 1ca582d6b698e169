import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
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
export async function statObject(storage: Storage, ref: ObjectRef, generation?: string): Promise<ObjectStat> {
  const file = storage.bucket(ref.bucket).file(ref.key, generation ? { generation } : {});
  let metadata;
  try {
    [metadata] = await file.getMetadata();
  } catch (error) {
    if (statusOf(error) === 404) throw notFound(ref);
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

const notFound = (ref: ObjectRef) => new GcsAccessError('not_found', 404, `gs://${ref.bucket}/${ref.key} does not exist`);

type Headers = Record<string, string | string[] | undefined>;

const headerOf = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Printable ASCII, without `%` or `=?` and without spaces at either end (a header's value loses
 * those): a value that every way of writing a header carries as it is.
 */
const PLAIN_HEADER_VALUE = /^(?![\s\S]*(%|=\?))[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * What the media response's headers say of the object whose bytes it carries, as GCS sends them
 * with every download (the Node and Go clients read them): the stored size, the content type, the
 * generation and CRC32C, and the custom metadata as `x-goog-meta-*`. The original name comes from
 * there when it is plain ASCII; a name in any other characters is `undefined` here and read from
 * the object's metadata, since how a header carries it (raw UTF-8, or encoded) is not the name itself.
 */
function objectFromHeaders(headers: Headers, ref: ObjectRef): Omit<ObjectStat, 'fileName' | 'metadata'> & { fileName: string | undefined } {
  const hashes = Object.fromEntries(
    (headerOf(headers, 'x-goog-hash') ?? '')
      .split(',')
      .map((pair) => pair.trim().split(/=(.*)/s, 2) as [string, string])
      .filter(([name]) => name),
  );
  const originalName = headerOf(headers, 'x-goog-meta-originalname');
  return {
    size: Number(headerOf(headers, 'x-goog-stored-content-length') ?? headerOf(headers, 'content-length') ?? 0),
    contentType: headerOf(headers, 'content-type'),
    fileName: originalName === undefined ? basename(ref.key) : PLAIN_HEADER_VALUE.test(originalName) ? originalName : undefined,
    version: { generation: headerOf(headers, 'x-goog-generation') ?? '', crc32c: hashes.crc32c ?? '' },
  };
}

function checkSize(size: number, options: DownloadOptions): void {
  if (size > options.maxBytes) {
    throw new GcsAccessError('too_large', 413, `the file is ${size} bytes, over the limit of ${options.maxBytes} bytes`);
  }
  if (size === 0) throw new GcsAccessError('empty', 422, 'the file is empty');
}

/** The media stream's response (its status and headers), before a byte of the body is read; its failure, mapped. */
function responseOf(stream: Readable, ref: ObjectRef, signal?: AbortSignal): Promise<{ statusCode: number; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const onError = (error: unknown) => reject(statusOf(error) === 404 ? notFound(ref) : downloadError(ref, error));
    stream.once('error', onError);
    if (signal?.aborted) return reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    stream.once('response', (response: { statusCode: number; headers: Headers }) => {
      // A refusal (404, 403, 5xx) is told by the stream's error, with the server's message.
      if (response.statusCode >= 300) return;
      stream.removeListener('error', onError);
      resolve(response);
    });
    // The client sends its request when the stream is first asked for data; read(0) asks without taking any.
    stream.read(0);
  });
}

/**
 * Downloads an object in one request: a private temporary file, or memory when it is small
 * enough (`inMemoryMaxBytes`), with the client's CRC32C check on. What is known of the object
 * (size, type, name, version) comes from the media response's own headers, so the version named
 * is that of the very bytes read. The size limit is checked from those headers before the body
 * is read, and, when `stat` is given (a caller that read the metadata first), before the request.
 * On any failure the temporary file is already gone when this rejects.
 */
export async function downloadObject(storage: Storage, ref: ObjectRef, options: DownloadOptions, stat?: ObjectStat): Promise<DownloadedObject> {
  if (stat) checkSize(stat.size, options);
  const source = storage.bucket(ref.bucket).file(ref.key).createReadStream({ validation: 'crc32c' });
  let facts: Omit<DownloadedObject, 'cleanup' | 'bytes' | 'path'>;
  try {
    const { headers } = await responseOf(source, ref, options.signal);
    const known = objectFromHeaders(headers, ref);
    if (known.size === 0) {
      // Nothing to read: taken to its end, so the connection is kept rather than cut.
      await pipeline(source, new Writable({ write: (_piece, _encoding, done) => done() })).catch(() => undefined);
    }
    checkSize(known.size, options);
    const fileName = known.fileName ?? (await statObject(storage, ref, known.version.generation)).fileName;
    facts = { ...known, fileName };
  } catch (error) {
    await abandon(source);
    throw error;
  }

  if (facts.size <= (options.inMemoryMaxBytes ?? 0)) {
    const pieces: Buffer[] = [];
    await pipeline(
      source,
      async (body: AsyncIterable<Buffer>) => {
        for await (const piece of body) pieces.push(piece);
      },
      { signal: options.signal },
    ).catch((error) => Promise.reject(downloadError(ref, error)));
    return { ...facts, bytes: Buffer.concat(pieces), cleanup: async () => undefined };
  }

  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'ingest-')).catch(async (error) => {
    await abandon(source);
    throw error;
  });
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'object');
  try {
    await pipeline(source, createWriteStream(path, { mode: 0o600 }), { signal: options.signal });
  } catch (error) {
    await cleanup();
    throw downloadError(ref, error);
  }
  return { ...facts, path, cleanup };
}

/**
 * Stops a download whose body is not wanted (over the size limit), cutting its connection. The
 * client then destroys its whole keep-alive agent (its guard against node-fetch leaking the
 * socket), so this waits for that to be done: a request sent after it gets a new connection
 * instead of one about to be cut.
 */
async function abandon(source: Readable): Promise<void> {
  if (!source.destroyed) source.destroy();
  await finished(source).catch(() => undefined);
  await new Promise<void>((resolve) => setImmediate(resolve));
}

function downloadError(ref: ObjectRef, error: unknown): GcsAccessError {
  const message = (error as Error).message ?? String(error);
  if (/mismatch|checksum|CONTENT_DOWNLOAD_MISMATCH/i.test(message) || (error as { code?: string }).code === 'CONTENT_DOWNLOAD_MISMATCH') {
    return new GcsAccessError('integrity', 502, `the download of gs://${ref.bucket}/${ref.key} failed its integrity check; try again`);
  }
  return new GcsAccessError('download_failed', 502, `could not download gs://${ref.bucket}/${ref.key}: ${message}`);
}
