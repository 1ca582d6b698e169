import type { Storage } from '@google-cloud/storage';
import { GcsAccessError } from './gcs-errors';
import type { PrefixRef } from './resolve-prefix';

export interface ListedObject {
  /** Full object name. */
  name: string;
  /** GCS's int64 generation, as the decimal string the JSON API gives. */
  generation: string;
  size: number;
  contentType: string | null;
  crc32c: string | null;
}

export interface ObjectPage {
  objects: ListedObject[];
  /** Absent on the last page. */
  nextPageToken: string | undefined;
}

/** GCS's own most per page; the listing asks for this unless told less. */
export const MAX_PAGE_SIZE = 1000;

/**
 * One page of the objects under a prefix, with the official client and no auto-pagination, so a
 * prefix of a million objects is read a page at a time and the caller can stop, persist the
 * token and go on later. "Folder" placeholder objects (names ending in `/`) are left out.
 */
export async function listObjectPage(storage: Storage, ref: PrefixRef, options: { pageToken?: string; pageSize?: number } = {}): Promise<ObjectPage> {
  let answer;
  try {
    answer = await storage.bucket(ref.bucket).getFiles({
      prefix: ref.prefix,
      autoPaginate: false,
      maxResults: Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE),
      pageToken: options.pageToken,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 404) throw new GcsAccessError('not_found', 404, `bucket '${ref.bucket}' does not exist`);
    throw new GcsAccessError('download_failed', 502, `could not list gs://${ref.bucket}/${ref.prefix}: ${(error as Error).message}`);
  }
  const [files, nextQuery] = answer as unknown as [Array<{ name: string; metadata: Record<string, unknown> }>, { pageToken?: string } | null];
  const objects = files
    .filter((f) => !f.name.endsWith('/'))
    .map((f) => ({
      name: f.name,
      generation: String(f.metadata.generation),
      size: Number(f.metadata.size ?? 0),
      contentType: typeof f.metadata.contentType === 'string' ? f.metadata.contentType : null,
      crc32c: typeof f.metadata.crc32c === 'string' ? f.metadata.crc32c : null,
    }));
  return { objects, nextPageToken: nextQuery?.pageToken || undefined };
}
