import { badRequest } from './gcs-errors';
import { compareObjectNames as cmp } from './object-names';
import type { ObjectRecord } from './object-store';

export interface ListQuery {
  prefix: string;
  delimiter: string;
  maxResults: number;
  pageToken: string | undefined;
  startOffset: string | undefined;
  endOffset: string | undefined;
}

export interface ListPage {
  items: ObjectRecord[];
  prefixes: string[];
  nextPageToken: string | undefined;
}

export const DEFAULT_MAX_RESULTS = 1000;

/** The page token names the last name or prefix sent, so the next page starts after it. */
interface PageCursor {
  after: string;
  afterIsPrefix: boolean;
}

function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(token: string): PageCursor {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<PageCursor>;
    if (typeof parsed.after === 'string' && typeof parsed.afterIsPrefix === 'boolean') return parsed as PageCursor;
  } catch {
    // fall through to the error below
  }
  throw badRequest(`pageToken "${token}" is not one this server issued`);
}

/**
 * One page of a listing, from `records` sorted by name and already filtered by prefix. With a
 * delimiter, names that contain it after the prefix collapse into one entry in `prefixes`; like
 * GCS, each such prefix counts towards maxResults.
 */
export function listPage(records: ObjectRecord[], query: ListQuery): ListPage {
  const cursor = query.pageToken ? decodeCursor(query.pageToken) : undefined;
  const items: ObjectRecord[] = [];
  const prefixes: string[] = [];
  let last: PageCursor | undefined;
  let more = false;
  for (const record of records) {
    const name = record.name;
    if (!name.startsWith(query.prefix)) continue;
    if (query.startOffset !== undefined && cmp(name, query.startOffset) < 0) continue;
    if (query.endOffset !== undefined && cmp(name, query.endOffset) >= 0) continue;
    if (cursor && (cmp(name, cursor.after) <= 0 || (cursor.afterIsPrefix && name.startsWith(cursor.after)))) continue;

    let entry: PageCursor = { after: name, afterIsPrefix: false };
    if (query.delimiter) {
      const at = name.indexOf(query.delimiter, query.prefix.length);
      if (at >= 0) entry = { after: name.slice(0, at + query.delimiter.length), afterIsPrefix: true };
    }
    if (entry.afterIsPrefix && last?.afterIsPrefix && last.after === entry.after) continue;
    if (items.length + prefixes.length >= query.maxResults) {
      more = true;
      break;
    }
    if (entry.afterIsPrefix) prefixes.push(entry.after);
    else items.push(record);
    last = entry;
  }
  return { items, prefixes, nextPageToken: more && last ? encodeCursor(last) : undefined };
}
