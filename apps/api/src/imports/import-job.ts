import type { JobOptions } from 'bull';

/** The imports' own queue: listing pages never wait behind ingestion dispatches, nor they behind a listing. */
export const IMPORTS_QUEUE = 'imports';
/** Reads one more listing page of an import, registers and queues its objects, then queues the next page. */
export const LIST_IMPORT_PAGE_JOB = 'list-import-page';

export interface ListImportPageJob {
  importId: string;
  /** Pages already listed before this one. */
  page: number;
  pageToken: string;
}

export const listImportPageJobId = (job: ListImportPageJob) => `import-${job.importId}-page-${job.page}`;

/** A listing error (GCS unavailable, database cut) is retried; after the last try the import fails with the reason. */
export const LIST_IMPORT_PAGE_JOB_OPTIONS: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: 1000,
};
