/** Where a file–knowledge-base link is in its ingestion. */
export const INGESTION_STATUSES = ['not_started', 'pending', 'processing', 'completed', 'failed'] as const;
export type IngestionStatus = (typeof INGESTION_STATUSES)[number];

/** Statuses the ingestion service may report back; the api owns the others. */
export const REPORTED_STATUSES = ['processing', 'completed', 'failed'] as const;
export type ReportedStatus = (typeof REPORTED_STATUSES)[number];

/** Terminal statuses: once reached, an attempt accepts no further update. */
export const FINAL_STATUSES: readonly IngestionStatus[] = ['completed', 'failed'];

export function isFinalStatus(status: IngestionStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** Pipeline stages, in the order they run. */
export const INGESTION_STAGES = ['downloading', 'parsing', 'chunking', 'embedding', 'storing'] as const;
export type IngestionStage = (typeof INGESTION_STAGES)[number];

export const EMBEDDING_PROVIDERS = ['local', 'openai', 'google'] as const;
export type EmbeddingProvider = (typeof EMBEDDING_PROVIDERS)[number];
