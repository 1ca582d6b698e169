import { Type, type Static } from '@sinclair/typebox';

/**
 * docs/wire-contract.md#imports: importing every object under a `gs://bucket/prefix/` into a
 * knowledge base. The import is a resource: it is listed page by page, each object registered
 * as a file (one per bucket and object name, re-queued when its generation changes) and queued
 * through the normal dispatch.
 */

/** Most include or exclude globs one import may carry; a glob at most this long. */
export const IMPORT_GLOBS = { maxItems: 20, maxLength: 500 } as const;

const Globs = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: IMPORT_GLOBS.maxLength }), { maxItems: IMPORT_GLOBS.maxItems, default: [], description });

/** Body of `POST /api/v1/knowledge-bases/{kb}/imports`. */
export const CreateImportRequestSchema = Type.Object(
  {
    gcs_uri: Type.String({ minLength: 6, maxLength: 1100, description: 'gs://bucket/ or gs://bucket/prefix/: every object whose name starts with the prefix' }),
    include: Globs('only objects whose name after the prefix matches one of these globs (picomatch syntax; empty: every object)'),
    exclude: Globs('objects whose name after the prefix matches one of these globs are left out'),
  },
  { additionalProperties: false },
);
export type CreateImportRequest = Static<typeof CreateImportRequestSchema>;

/**
 * `listing`: pages are still being read (objects already listed are queued as they come);
 * `running`: everything is listed and queued, some files are not final yet; `completed`: every
 * file the import queued is completed or failed; `failed`: the listing itself failed (`error`).
 */
export const IMPORT_STATUSES = ['listing', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/**
 * One object's outcome: `skipped_unchanged` (same generation, already completed in this
 * knowledge base), the status of the attempt the import queued (`pending`, `processing`,
 * `completed`, `failed`), or `superseded` when a later attempt of the same file replaced it.
 */
export const IMPORT_ITEM_STATUSES = ['skipped_unchanged', 'pending', 'processing', 'completed', 'failed', 'superseded'] as const;
export type ImportItemStatus = (typeof IMPORT_ITEM_STATUSES)[number];

const Count = Type.Integer({ minimum: 0 });

export const ImportCountsSchema = Type.Object(
  {
    listed: Type.Integer({ minimum: 0, description: 'objects listed under the prefix that passed the globs' }),
    skipped_unchanged: Type.Integer({ minimum: 0, description: 'objects whose generation was already completed in this knowledge base' }),
    queued: Type.Integer({ minimum: 0, description: 'objects the import queued an attempt for' }),
    completed: Count,
    failed: Count,
  },
  { additionalProperties: false },
);
export type ImportCounts = Static<typeof ImportCountsSchema>;

/** Answer of `POST .../imports` (201) and `GET .../imports/{id}`. */
export const ImportViewSchema = Type.Object(
  {
    import_id: Type.String({ format: 'uuid' }),
    knowledgebase_id: Type.String(),
    gcs_uri: Type.String(),
    include: Type.Array(Type.String()),
    exclude: Type.Array(Type.String()),
    status: Type.Union(IMPORT_STATUSES.map((s) => Type.Literal(s))),
    counts: ImportCountsSchema,
    pages_listed: Type.Integer({ minimum: 0, description: 'listing pages read so far' }),
    listing_ms: Type.Integer({ minimum: 0, description: 'time spent reading listing pages so far, summed' }),
    error: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    listed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    completed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ImportView = Static<typeof ImportViewSchema> & { status: ImportStatus };

/**
 * `GET .../imports`: a knowledge base's imports, newest first, a page at a time. `limit` is how
 * many a page holds (default and most below); `cursor` is the previous page's `next_cursor`,
 * opaque to the client; `next_cursor` is null on the last page.
 */
export const IMPORT_LIST_LIMIT = { default: 20, max: 100 } as const;

export const ImportListSchema = Type.Object(
  {
    items: Type.Array(ImportViewSchema, { description: 'the imports, newest first, each as GET .../imports/{id} shows it' }),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'give it as ?cursor= for the next page; null on the last page' }),
  },
  { additionalProperties: false },
);
export type ImportList = Static<typeof ImportListSchema> & { items: ImportView[] };

/** One row of `GET .../imports/{id}/results` (JSON; the CSV has the columns `IMPORT_RESULT_CSV_COLUMNS`). */
export const ImportResultSchema = Type.Object(
  {
    object: Type.String({ description: 'gs://bucket/name' }),
    generation: Type.String({ description: 'the object generation listed' }),
    file_uuid: Type.String({ format: 'uuid' }),
    status: Type.Union(IMPORT_ITEM_STATUSES.map((s) => Type.Literal(s))),
    chunks: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ImportResult = Static<typeof ImportResultSchema> & { status: ImportItemStatus };

/**
 * `GET .../imports/{id}/results`: without `limit` and `cursor`, every object's result, streamed
 * as it is read (`next_cursor` null); with them, a page of at most `limit` results by object
 * name, after the previous page's `next_cursor` (opaque), null on the last page.
 */
export const IMPORT_RESULTS_LIMIT = { default: 1000, max: 5000 } as const;

export const ImportResultsSchema = Type.Object(
  {
    import_id: Type.String({ format: 'uuid' }),
    status: Type.Union(IMPORT_STATUSES.map((s) => Type.Literal(s))),
    results: Type.Array(ImportResultSchema, { description: 'by object name' }),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'give it as ?cursor= for the next page; null on the last page and on the whole results' }),
  },
  { additionalProperties: false },
);
export type ImportResults = Static<typeof ImportResultsSchema>;

/** The CSV download's columns, in order (as Vertex AI's import result sink reports a file). */
export const IMPORT_RESULT_CSV_COLUMNS = ['object', 'status', 'chunks', 'error'] as const;

/** One CSV field per RFC 4180: quoted when it holds a comma, quote or line break. */
function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

type CsvResult = Pick<ImportResult, 'object' | 'status' | 'chunks' | 'error'>;

/** The CSV's header line, CRLF included. */
export const IMPORT_RESULTS_CSV_HEADER = `${IMPORT_RESULT_CSV_COLUMNS.join(',')}\r\n`;

/** These results as CSV lines, without the header, each ending in CRLF: a download written a batch at a time. */
export function importResultCsvLines(results: CsvResult[]): string {
  return results.map((r) => `${IMPORT_RESULT_CSV_COLUMNS.map((c) => csvField(r[c])).join(',')}\r\n`).join('');
}

/** The results as CSV text, header first, CRLF line ends. */
export function importResultsCsv(results: CsvResult[]): string {
  return IMPORT_RESULTS_CSV_HEADER + importResultCsvLines(results);
}
