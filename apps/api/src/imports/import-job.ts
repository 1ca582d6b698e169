import type { JobOptions } from 'bull';

/** The imports' own queue: listing pages never wait behind ingestion dispatches, nor they behind a listing. */
export const IMPORTS_QUEUE = 'imports';
/** Reads one more listing page of an import, registers and queues its objects, then queues the next page. */
export const LIST_IMPORT_PAGE_JOB = 'list-import-page';

/** Looks for imports left `listing` with no page job (docs/decisions.md#imports-from-a-prefix). */
export const RESUME_STALLED_IMPORTS_JOB = 'resume-stalled-imports';

export interface ListImportPageJob {
  importId: string;
  /** Pages already listed before this one. */
  page: number;
  /** '' for the first page: an import cut before its first page was recorded is listed from the start. */
  pageToken: string;
}

/**
 * One job per import and page, whoever queues it (the page before, or the sweep): the page number
 * stands for the token, which the page before it fixed, so queueing a page twice queues it once.
 */
export const listImportPageJobId = (job: Pick<ListImportPageJob, 'importId' | 'page'>) => `import-${job.importId}-page-${job.page}`;

/** A listing error (GCS unavailable, database cut) is retried; after the last try the import fails with the reason. */
export const LIST_IMPORT_PAGE_JOB_OPTIONS: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: 1000,
};
