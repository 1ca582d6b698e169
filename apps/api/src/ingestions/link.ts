import type { IngestionView } from '@docingest/contracts';

/** The times IngestionView carries as ISO text, stored as dates. */
type LinkTimes = 'ingestion_started_at' | 'ingestion_completed_at' | 'last_progress_at';

/**
 * A file–knowledge-base link as stored: where that file's ingestion into that base stands. What
 * pollers see of it (IngestionView) it stores as shown, but for its id and times; the rest is the
 * api's own.
 */
export interface Link extends Omit<IngestionView, 'link_id' | LinkTimes>, Record<LinkTimes, Date | null> {
  id: number;
  embedding_model: string | null;
  chunk_size: number | null;
  chunk_overlap: number | null;
  /** First callback of this attempt: the service took the request (see migration 1764700000000). */
  accepted_at: Date | null;
  retry_until: Date | null;
  /** Who decided a failure: the service (final) or the api (a completion may override it). */
  failed_by: 'service' | 'api' | null;
  /** Started with force: true, so never skipped as unchanged. */
  forced: boolean;
  /** The object version and settings of the last completed attempt, kept while later attempts run. */
  completed_object: CompletedObject | null;
}

/** What the last completed attempt of a link read, and with which settings. */
export interface CompletedObject {
  generation: string;
  crc32c: string;
  embedding_model: string | null;
  chunk_size: number | null;
  chunk_overlap: number | null;
  attempt: number;
  /** Its page counts: what a later attempt skipped as unchanged reports as its own. */
  pages: number | null;
  pages_skipped: number | null;
}

export const LINK_COLUMNS = `id, file_uuid, knowledgebase_id, ingestion_status, ingestion_progress, processed_docs, total_docs,
  chunk_count, current_stage, ingestion_error, ingestion_started_at, ingestion_completed_at, last_progress_at, attempt,
  embedding_model, chunk_size, chunk_overlap, pages, pages_skipped, accepted_at, dispatch_retries, retry_until, failed_by, ingestion_history,
  object_generation, object_crc32c, chunks_embedded, chunks_reused, embedding_tokens, forced, completed_object, trace_id`;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** What a poller and an event stream see of one link: cheap to produce, one indexed row. */
export function linkView(link: Link): IngestionView {
  return {
    link_id: link.id,
    file_uuid: link.file_uuid,
    knowledgebase_id: link.knowledgebase_id,
    ingestion_status: link.ingestion_status,
    ingestion_progress: link.ingestion_progress,
    current_stage: link.current_stage,
    processed_docs: link.processed_docs,
    total_docs: link.total_docs,
    chunk_count: link.chunk_count,
    pages: link.pages,
    pages_skipped: link.pages_skipped,
    ingestion_error: link.ingestion_error,
    ingestion_started_at: iso(link.ingestion_started_at),
    ingestion_completed_at: iso(link.ingestion_completed_at),
    last_progress_at: iso(link.last_progress_at),
    attempt: link.attempt,
    dispatch_retries: link.dispatch_retries,
    ingestion_history: link.ingestion_history,
    object_generation: link.object_generation,
    object_crc32c: link.object_crc32c,
    chunks_embedded: link.chunks_embedded,
    chunks_reused: link.chunks_reused,
    embedding_tokens: link.embedding_tokens,
    trace_id: link.trace_id,
  };
}

/** A file as stored (the files table): what a link points at. */
export interface FileRecord {
  uuid: string;
  title: string;
  storage_path: string;
  content_type: string | null;
  size: number;
  user_uuid: string | null;
  team_id: string | null;
  project_id: string | null;
  created_at: Date;
}

/** A file of a knowledge base with its link's ingestion state (the knowledge base's file list). */
export type FileWithLink = FileRecord & Omit<Link, 'id' | 'file_uuid'> & { link_id: number };

/** A link with the fields of its file that a dispatch sends. */
export type LinkToDispatch = Link & Pick<FileRecord, 'storage_path' | 'user_uuid' | 'team_id' | 'project_id'>;
