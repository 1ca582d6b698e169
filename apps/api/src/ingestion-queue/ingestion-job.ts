import type { JobOptions } from 'bull';

export const INGESTION_QUEUE = 'ingestion';

/**
 * Bull's key prefix for one installation (one database). Job ids derive from link ids, which
 * start again at 1 in a new database, and Bull silently drops a job whose id it still holds:
 * each database gets its own namespace, so a recreated database or a second stack on the same
 * Redis never meets the jobs of another.
 */
export function queuePrefix(installationId: string): string {
  return `docingest:${installationId}`;
}

/** Dispatches one attempt of one link to the ingestion service. */
export const INGEST_SINGLE_FILE_JOB = 'ingest-single-file-via-http';
/** Marks processing links that stopped reporting as failed. */
export const SWEEP_STALE_JOB = 'sweep-stale-ingestions';

export interface IngestSingleFileJob {
  linkId: number;
  attempt: number;
  /** How many times this attempt was sent again after the service was overloaded (0 or absent: first send). */
  retry?: number;
  /** The attempt's trace (docs/wire-contract.md#trace), kept by every re-send; absent in jobs queued before traces. */
  traceId?: string;
}

/**
 * One job per attempt and per re-send: a second enqueue of the same attempt is a no-op, and each
 * retry after an overload (counted on the link) is a job of its own.
 */
export function ingestJobId(job: IngestSingleFileJob): string {
  return `link-${job.linkId}-attempt-${job.attempt}${job.retry ? `-retry-${job.retry}` : ''}`;
}

/** Failures before the dispatch (database, Redis) are retried; the dispatch itself never is. */
export const INGEST_JOB_OPTIONS: JobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: 1000,
};
