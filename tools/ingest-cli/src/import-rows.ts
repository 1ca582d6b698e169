import type { ImportProgress, ImportResult } from './api-client';
import type { Row } from './progress-view';

/**
 * An import as one row of the progress view: the bar is the share of listed objects that are
 * final (completed, failed or skipped unchanged); the detail says where the import is.
 */
export function importRow(imported: ImportProgress, seconds: number | null): Row {
  const { listed, skipped_unchanged: skipped, completed, failed } = imported.counts;
  const done = skipped + completed + failed;
  const ended = imported.status === 'completed' || imported.status === 'failed';
  const detail =
    imported.status === 'listing' ? `listing: ${listed} objects so far` : `${done} of ${listed} done (${completed} completed, ${skipped} unchanged, ${failed} failed)`;
  return {
    name: imported.gcs_uri,
    status: ended ? (imported.status === 'failed' || failed > 0 ? 'failed' : 'completed') : 'processing',
    progress: imported.status === 'listing' || listed === 0 ? 0 : (100 * done) / listed,
    stage: ended ? null : detail,
    chunks: null,
    pages: null,
    error: imported.status === 'failed' ? imported.error : failed > 0 ? `${failed} of ${listed} files failed` : null,
    seconds,
  };
}

/** The summary's rows: one per object, the object's name after the prefix. */
export function resultRows(imported: ImportProgress, results: ImportResult[]): Row[] {
  return results.map((r) => ({
    name: r.object.startsWith(imported.gcs_uri) ? r.object.slice(imported.gcs_uri.length) : r.object,
    status: r.status,
    progress: 100,
    stage: null,
    chunks: r.chunks,
    pages: null,
    error: r.error,
    seconds: null,
  }));
}
