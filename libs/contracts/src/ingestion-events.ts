import type { IngestionStage, IngestionStatus } from './status';

/**
 * What the api shows of one file–knowledge-base link: the answer of `GET /api/v1/ingestions/{link_id}`
 * and the data of every ingestion event (docs/wire-contract.md#ingestion-events).
 */
export interface IngestionView {
  link_id: number;
  file_uuid: string;
  knowledgebase_id: string;
  ingestion_status: IngestionStatus;
  ingestion_progress: number;
  current_stage: IngestionStage | null;
  processed_docs: number;
  total_docs: number;
  chunk_count: number | null;
  /** From the service's final report (or its answer, when no final report came); null until an attempt completes. */
  pages: number | null;
  pages_skipped: number | null;
  ingestion_error: string | null;
  /** ISO 8601 times as JSON carries dates. */
  ingestion_started_at: string | null;
  ingestion_completed_at: string | null;
  last_progress_at: string | null;
  attempt: number;
  dispatch_retries: number;
  /** Overridden and retried states of the attempt, oldest first. */
  ingestion_history: Array<{ at: string; event: string; reason?: string; status?: string }>;
  /** The object version the attempt read, and what it embedded and reused (docs/wire-contract.md#re-ingestion). */
  object_generation: string | null;
  object_crc32c: string | null;
  chunks_embedded: number | null;
  chunks_reused: number | null;
  embedding_tokens: number | null;
  /** The trace of the request that started this attempt (docs/wire-contract.md#trace); null before traces were stored. */
  trace_id: string | null;
}

/**
 * `GET /api/v1/knowledge-bases/{kb}/ingestions/events[?link_ids=1,2]`: server-sent events, one
 * `ingestion` event per change the api records on a link of the knowledge base (data: the link's
 * IngestionView as JSON), and a comment line every INGESTION_EVENTS_HEARTBEAT_MS. With
 * `link_ids`, only those links, and each one's current view first. A `link_removed` event
 * (data: `{ link_id, file_uuid }`) says a link left the knowledge base.
 */
export const INGESTION_EVENT = 'ingestion';
export const LINK_REMOVED_EVENT = 'link_removed';
export const INGESTION_EVENTS_HEARTBEAT_MS = 15_000;
/** How many link ids one stream may name. */
export const INGESTION_EVENTS_MAX_LINKS = 1000;

export function ingestionEventsPath(knowledgebaseId: string, linkIds?: readonly number[]): string {
  const query = linkIds?.length ? `?link_ids=${linkIds.join(',')}` : '';
  return `/api/v1/knowledge-bases/${encodeURIComponent(knowledgebaseId)}/ingestions/events${query}`;
}

export interface LinkRemovedEvent {
  link_id: number;
  file_uuid: string;
}
