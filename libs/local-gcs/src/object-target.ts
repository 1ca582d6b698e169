import { badRequest } from './gcs-errors';
import type { Preconditions } from './preconditions';

/** What an upload asks for: where the object goes and the metadata it gets. */
export interface ObjectTarget {
  bucket: string;
  name: string;
  contentType: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  metadata: Record<string, string>;
  preconditions: Preconditions;
  /** Hashes the client declared in the resource (`crc32c`, `md5Hash`), checked on commit. */
  declaredHashes: { crc32c?: string; md5Hash?: string };
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const MAX_NAME_BYTES = 1024;

export function assertValidObjectName(name: string): void {
  if (!name) throw badRequest('an object name is required (the "name" query parameter or resource field)');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) throw badRequest(`object names are at most ${MAX_NAME_BYTES} bytes of UTF-8`);
  if (/[\r\n]/.test(name)) throw badRequest('object names must not contain carriage returns or line feeds');
  if (name === '.' || name === '..') throw badRequest('an object cannot be named "." or ".."');
}

function optionalString(resource: Record<string, unknown>, field: string): string | undefined {
  const value = resource[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`the resource field "${field}" must be a string`);
  return value;
}

/** Custom metadata as GCS keeps it: string values; nulls dropped on upload. */
export function customMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest('the resource field "metadata" must be an object');
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (entry === null || entry === undefined) continue;
    out[key] = typeof entry === 'string' ? entry : JSON.stringify(entry);
  }
  return out;
}

/** Builds a target from an object resource (a JSON body) plus the request's name and content type. */
export function objectTarget(
  bucket: string,
  queryName: string | null,
  resource: Record<string, unknown>,
  fallbackContentType: string | undefined,
  preconditions: Preconditions,
): ObjectTarget {
  const name = queryName ?? optionalString(resource, 'name') ?? '';
  assertValidObjectName(name);
  return {
    bucket,
    name,
    contentType: optionalString(resource, 'contentType') || fallbackContentType || DEFAULT_CONTENT_TYPE,
    contentEncoding: optionalString(resource, 'contentEncoding'),
    contentDisposition: optionalString(resource, 'contentDisposition'),
    contentLanguage: optionalString(resource, 'contentLanguage'),
    cacheControl: optionalString(resource, 'cacheControl'),
    metadata: customMetadata(resource.metadata),
    preconditions,
    declaredHashes: { crc32c: optionalString(resource, 'crc32c'), md5Hash: optionalString(resource, 'md5Hash') },
  };
}
