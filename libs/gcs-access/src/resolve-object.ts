import { GcsAccessError } from './gcs-errors';

export interface ObjectRef {
  bucket: string;
  key: string;
}

export interface ResolveOptions {
  /** Bucket a bare key is read from. */
  defaultBucket?: string;
  /** Buckets the service may read; empty means only the default bucket. */
  allowedBuckets: string[];
}

const MAX_KEY_BYTES = 1024; // GCS's own limit on object names
// Bucket names per GCS naming rules (lowercase, digits, dashes, underscores, dots).
export const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

function invalid(message: string): GcsAccessError {
  return new GcsAccessError('invalid_path', 400, message);
}

/**
 * Refuses an object name (or, with `what` = 'the prefix', a prefix ending in `/`) that could
 * reach another folder: leading `/`, encoded separators or dots, backslashes, empty, `.` or `..`
 * segments, or more bytes than GCS allows.
 */
export function checkObjectName(name: string, what: 'the object key' | 'the prefix'): void {
  if (name.startsWith('/')) throw invalid(`${what} must not start with /`);
  if (/%2f|%5c|%2e/i.test(name)) throw invalid(`${what} must not contain encoded separators or dots`);
  if (name.includes('\\')) throw invalid(`${what} must not contain backslashes`);
  const segments = (what === 'the prefix' ? name.slice(0, -1) : name).split('/');
  if (segments.some((segment) => segment === '..' || segment === '.' || segment === '')) {
    throw invalid(`${what} must not contain empty, "." or ".." segments`);
  }
  if (Buffer.byteLength(name) > MAX_KEY_BYTES) throw invalid(`${what} is longer than ${MAX_KEY_BYTES} bytes`);
}

/** The buckets that may be read: the allow-list, or the default bucket alone when the list is empty. */
export function allowedBuckets(options: { defaultBucket?: string; allowedBuckets: string[] }): string[] {
  return options.allowedBuckets.length ? options.allowedBuckets : options.defaultBucket ? [options.defaultBucket] : [];
}

/**
 * Turns `file_path` into a bucket and key, refusing anything but `gs://bucket/key` or a bare key:
 * no other scheme, no traversal, no control characters, no encoded separators, no other bucket.
 */
export function resolveObject(filePath: string, options: ResolveOptions): ObjectRef {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(filePath)) throw invalid('file_path contains control characters');
  let bucket: string | undefined;
  let key: string;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(filePath);
  if (scheme) {
    if (scheme[1].toLowerCase() !== 'gs' || !filePath.startsWith('gs://')) {
      throw invalid(`file_path must be gs://bucket/key, not a ${scheme[1]}: address`);
    }
    const rest = filePath.slice('gs://'.length);
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) throw invalid('file_path must be gs://bucket/key');
    bucket = rest.slice(0, slash);
    key = rest.slice(slash + 1);
    if (!BUCKET_NAME.test(bucket)) throw invalid(`'${bucket}' is not a valid bucket name`);
  } else {
    key = filePath;
    bucket = options.defaultBucket;
    if (!bucket) throw invalid('file_path is a bare key but no default bucket is configured; use gs://bucket/key');
  }

  checkObjectName(key, 'the object key');

  if (!allowedBuckets(options).includes(bucket)) {
    throw new GcsAccessError('bucket_not_allowed', 400, `bucket '${bucket}' is not one this service may read`);
  }
  return { bucket, key };
}
