import { badRequest } from './gcs-errors';

/**
 * What one PUT to a resumable session says about its bytes, from its `Content-Range`:
 * - `bytes STAR/T` (STAR being a literal asterisk, T a size or another asterisk): a status
 *   query, no bytes; with a known T it may also finalise.
 * - `bytes A-B/T`: bytes A..B of an object of T bytes (T is an asterisk while the client does
 *   not know it yet).
 * - `bytes A-STAR/T`: the body holds everything from A on (the client's single-request mode).
 * - no header: the body is the whole object.
 */
export type UploadChunk = { kind: 'query'; total: number | undefined } | { kind: 'bytes'; start: number; end: number | undefined; total: number | undefined };

export function parseUploadContentRange(header: string | undefined): UploadChunk {
  if (header === undefined || header.trim() === '') return { kind: 'bytes', start: 0, end: undefined, total: undefined };
  const query = /^\s*bytes\s+\*\s*\/\s*(\d+|\*)\s*$/i.exec(header);
  if (query) return { kind: 'query', total: query[1] === '*' ? undefined : Number(query[1]) };
  // The client sends `bytes 0--1/0` for an empty object in chunked mode: an empty range.
  const range = /^\s*bytes\s+(\d+)\s*-\s*(-1|\d+|\*)\s*\/\s*(\d+|\*)\s*$/i.exec(header);
  if (!range) throw badRequest(`Content-Range "${header}" is not "bytes A-B/T", "bytes A-*/T" or "bytes */T"`);
  const start = Number(range[1]);
  const end = range[2] === '*' ? undefined : Number(range[2]);
  const total = range[3] === '*' ? undefined : Number(range[3]);
  if (end !== undefined && end < start - 1) throw badRequest(`Content-Range "${header}" ends before it starts`);
  if (total !== undefined && end !== undefined && end >= total) throw badRequest(`Content-Range "${header}" runs past the total size`);
  return { kind: 'bytes', start, end, total };
}
