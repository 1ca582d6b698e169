import { IMPORT_RESULTS_LIMIT } from '@docingest/contracts';
import { invalidParam, parseLimit, plainParams } from './import-list-query';

export interface ImportResultsQuery {
  csv: boolean;
  /** Null: every result, streamed. Else a page of `limit` after the object named `after`. */
  page: { limit: number; after: string | null } | null;
}

const KNOWN = new Set(['format', 'limit', 'cursor']);
/** GCS's longest object name, in bytes: a cursor is one name. */
const MAX_NAME_BYTES = 1024;

/** The opaque `next_cursor` of a page of results that ends at this object. */
export function encodeResultsCursor(objectName: string): string {
  return Buffer.from(objectName).toString('base64url');
}

function decodeCursor(raw: string): string {
  const name = /^[A-Za-z0-9_-]{1,1400}$/.test(raw) ? Buffer.from(raw, 'base64url').toString() : '';
  if (!name || Buffer.byteLength(name) > MAX_NAME_BYTES || encodeResultsCursor(name) !== raw) {
    throw invalidParam('cursor', `cursor must be the next_cursor of a previous page, as given; got '${raw.slice(0, 100)}'`);
  }
  return name;
}

/**
 * `?format=&limit=&cursor=` of `GET .../imports/{id}/results`: CSV by `format`, else by the
 * `Accept` header; a page with `limit` or `cursor` (JSON only), else the whole results.
 * Anything else, or a parameter given twice, is a 400 naming it.
 */
export function parseImportResultsQuery(query: Record<string, unknown>, acceptsCsv: boolean): ImportResultsQuery {
  const { format, limit, cursor } = plainParams(query, KNOWN, 'import results take format, limit and cursor');
  if (format !== undefined && format !== 'csv' && format !== 'json') throw invalidParam('format', `format must be csv or json, not '${format.slice(0, 100)}'`);
  const csv = format ? format === 'csv' : acceptsCsv;
  if (limit === undefined && cursor === undefined) return { csv, page: null };
  if (csv) {
    throw invalidParam(
      limit === undefined ? 'cursor' : 'limit',
      'limit and cursor page the JSON results; the CSV download is always whole (ask for format=json to page)',
    );
  }
  return {
    csv,
    page: {
      limit: limit === undefined ? IMPORT_RESULTS_LIMIT.default : parseLimit(limit, IMPORT_RESULTS_LIMIT.max),
      after: cursor === undefined ? null : decodeCursor(cursor),
    },
  };
}
