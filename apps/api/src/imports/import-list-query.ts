import { IMPORT_LIST_LIMIT } from '@docingest/contracts';
import { ApiError } from '../common/api-error';

/**
 * Where a page of a knowledge base's imports starts: after the import with this creation time and
 * id (newest first). The time is PostgreSQL's to the microsecond, kept as text: a JavaScript Date
 * would round it to the millisecond and skip or repeat imports created in the same millisecond.
 */
export interface ImportListPosition {
  createdAt: string;
  id: string;
}

export interface ImportListQuery {
  limit: number;
  after: ImportListPosition | null;
}

const KNOWN = new Set(['limit', 'cursor']);
const POSITION = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const invalidParam = (field: string, message: string) => new ApiError(400, message, { code: 'invalid_request', field });

/** The opaque `next_cursor` of a page that ends at this import. */
export function encodeImportCursor(position: ImportListPosition): string {
  return Buffer.from(`${position.createdAt} ${position.id}`).toString('base64url');
}

function decodeCursor(raw: string): ImportListPosition {
  const match = /^[A-Za-z0-9_-]{1,200}$/.test(raw) ? POSITION.exec(Buffer.from(raw, 'base64url').toString()) : null;
  if (!match || Number.isNaN(Date.parse(match[1]))) {
    throw invalidParam('cursor', `cursor must be the next_cursor of a previous page, as given; got '${raw.slice(0, 100)}'`);
  }
  return { createdAt: match[1], id: match[2] };
}

/** `?limit=`: a whole number from 1 to `max`, or a 400 naming it. */
export function parseLimit(raw: string, max: number): number {
  const limit = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= max)) {
    throw invalidParam('limit', `limit must be a whole number from 1 to ${max}; got '${raw.slice(0, 100)}'`);
  }
  return limit;
}

/** The query's parameters, each one of `known` given once as a plain value; anything else is a 400 naming it. */
export function plainParams(query: Record<string, unknown>, known: Set<string>, takes: string): Record<string, string | undefined> {
  for (const [name, value] of Object.entries(query)) {
    if (!known.has(name)) throw invalidParam(name, `unknown query parameter '${name}': ${takes}`);
    if (typeof value !== 'string') throw invalidParam(name, `${name} must be given once, as a plain value`);
  }
  return query as Record<string, string | undefined>;
}

/** `?limit=&cursor=` of `GET .../imports`; anything else, or either one twice, is a 400 naming it. */
export function parseImportListQuery(query: Record<string, unknown>): ImportListQuery {
  const { limit, cursor } = plainParams(query, KNOWN, 'a page of imports takes limit and cursor');
  return {
    limit: limit === undefined ? IMPORT_LIST_LIMIT.default : parseLimit(limit, IMPORT_LIST_LIMIT.max),
    after: cursor === undefined ? null : decodeCursor(cursor),
  };
}
