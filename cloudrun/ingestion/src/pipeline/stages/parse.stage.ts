import type { DownloadedObject } from '@docingest/gcs-access';
import { openDocumentPages, type DocumentPages } from '../document-pages';
import type { IngestionRun } from '../ingestion-run';
import type { PipelineDeps } from '../pipeline-deps';

/** Opens the downloaded file's text, page by page (see openDocumentPages), and counts its pages. */
export async function parseStage(run: IngestionRun, object: DownloadedObject, deps: PipelineDeps): Promise<DocumentPages> {
  run.enter('parsing');
  const document = await run.timer.time('parse', () =>
    openDocumentPages(
      { ...(object.path !== undefined ? { path: object.path } : { bytes: object.bytes }), fileName: object.fileName, contentType: object.contentType, size: object.size },
      deps.config,
      run.signal,
    ),
  );
  run.countPages(document);
  run.log('ingest.parsed', { format: document.format, pages: document.pageCount, pages_skipped: document.pagesSkipped });
  return document;
}
