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
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

function invalid(message: string): GcsAccessError {
  return new GcsAccessError('invalid_path', 400, message);
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

  if (key.startsWith('/')) throw invalid('the object key must not start with /');
  if (/%2f|%5c|%2e/i.test(key)) throw invalid('the object key must not contain encoded separators or dots');
  if (key.includes('\\')) throw invalid('the object key must not contain backslashes');
  if (key.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) {
    throw invalid('the object key must not contain empty, "." or ".." segments');
  }
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw invalid(`the object key is longer than ${MAX_KEY_BYTES} bytes`);

  const allowed = options.allowedBuckets.length ? options.allowedBuckets : options.defaultBucket ? [options.defaultBucket] : [];
  if (!allowed.includes(bucket)) {
    throw new GcsAccessError('bucket_not_allowed', 400, `bucket '${bucket}' is not one this service may read`);
  }
  return { bucket, key };
}
