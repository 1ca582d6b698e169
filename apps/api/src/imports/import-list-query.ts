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

const invalid = (field: string, message: string) => new ApiError(400, message, { code: 'invalid_request', field });

/** The opaque `next_cursor` of a page that ends at this import. */
export function encodeImportCursor(position: ImportListPosition): string {
  return Buffer.from(`${position.createdAt} ${position.id}`).toString('base64url');
}

function decodeCursor(raw: string): ImportListPosition {
  const match = /^[A-Za-z0-9_-]{1,200}$/.test(raw) ? POSITION.exec(Buffer.from(raw, 'base64url').toString()) : null;
  if (!match || Number.isNaN(Date.parse(match[1]))) {
    throw invalid('cursor', `cursor must be the next_cursor of a previous page, as given; got '${raw.slice(0, 100)}'`);
  }
  return { createdAt: match[1], id: match[2] };
}

function parseLimit(raw: string): number {
  const limit = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= IMPORT_LIST_LIMIT.max)) {
    throw invalid('limit', `limit must be a whole number from 1 to ${IMPORT_LIST_LIMIT.max}; got '${raw.slice(0, 100)}'`);
  }
  return limit;
}

/** `?limit=&cursor=` of `GET .../imports`; anything else, or either one twice, is a 400 naming it. */
export function parseImportListQuery(query: Record<string, unknown>): ImportListQuery {
  for (const [name, value] of Object.entries(query)) {
    if (!KNOWN.has(name)) throw invalid(name, `unknown query parameter '${name}': a page of imports takes limit and cursor`);
    if (typeof value !== 'string') throw invalid(name, `${name} must be given once, as a plain value`);
  }
  const { limit, cursor } = query as { limit?: string; cursor?: string };
  return {
    limit: limit === undefined ? IMPORT_LIST_LIMIT.default : parseLimit(limit),
    after: cursor === undefined ? null : decodeCursor(cursor),
  };
}
