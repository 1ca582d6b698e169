import { GcsAccessError } from './gcs-errors';
import { BUCKET_NAME, allowedBuckets, checkObjectName } from './resolve-object';

export interface PrefixRef {
  bucket: string;
  /** Object names start with this; empty for the whole bucket, otherwise ends with `/`. */
  prefix: string;
}

function invalid(message: string): GcsAccessError {
  return new GcsAccessError('invalid_path', 400, message);
}

/**
 * Turns `gs://bucket/` or `gs://bucket/prefix/` into a bucket and a folder-like prefix, under the
 * same rules as a single object (resolveObject): no other scheme, no traversal, no control
 * characters, no encoded separators, allowed buckets only. A prefix without its trailing `/` is
 * given one, so `gs://b/docs` never takes in `gs://b/docs-old/…`.
 */
export function resolvePrefix(uri: string, options: { defaultBucket?: string; allowedBuckets: string[] }): PrefixRef {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(uri)) throw invalid('gcs_uri contains control characters');
  if (!uri.startsWith('gs://')) throw invalid(`gcs_uri must be gs://bucket/prefix/, not '${uri.slice(0, 80)}'`);
  const rest = uri.slice('gs://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  let prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (!BUCKET_NAME.test(bucket)) throw invalid(`'${bucket}' is not a valid bucket name`);
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  if (prefix) checkObjectName(prefix, 'the prefix');
  if (!allowedBuckets(options).includes(bucket)) {
    throw new GcsAccessError('bucket_not_allowed', 403, `bucket '${bucket}' is not one this service may read`);
  }
  return { bucket, prefix };
}
