import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Pool } from 'pg';
import { INGESTION_STAGES, isFinalStatus, type AttemptWork, type ProgressUpdate } from '@docingest/contracts';
import { PG_POOL } from '../database/database.module';
import { LINK_COLUMNS, type FileWithLink, type Link, type LinkToDispatch } from './link';
import { LinkEvents } from './link-events';

const OPEN = `ingestion_status IN ('pending', 'processing')`;
/** A failure the api inferred itself: a completion of the same attempt may still override it. */
const INFERRED_FAILURE = `(ingestion_status = 'failed' AND failed_by = 'api')`;
/** Appends one event to the link's history (SQL expression; $n placeholders are the caller's). */
const historyItem = (event: string, reason: string) =>
  `jsonb_build_array(jsonb_build_object('at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'event', '${event}', 'reason', ${reason}))`;
const historyEntry = (event: string, reason: string) => `ingestion_history || ${historyItem(event, reason)}`;

/**
 * What a completed attempt did (docs/wire-contract.md#re-ingestion), as SET terms reading
 * parameters $n…$n+5 (workParams), applied when `when` holds and the report names an object: the
 * object version read, which becomes the link's completed_object with the attempt's settings and
 * page counts, chunks embedded and reused, and tokens. `pages` / `pagesSkipped` are the SQL
 * expressions the same UPDATE sets those columns to (pagesTerm).
 */
const workTerms = (n: number, when: string, pages: string, pagesSkipped: string) => {
  const on = `(${when} AND $${n}::text IS NOT NULL)`;
  const set = (column: string, value: string) => `${column} = CASE WHEN ${on} THEN ${value} ELSE ${column} END`;
  return [
    set('object_generation', `$${n}::text`),
    set('object_crc32c', `$${n + 1}::text`),
    set('chunks_embedded', `$${n + 2}::int`),
    set('chunks_reused', `$${n + 3}::int`),
    set('embedding_tokens', `$${n + 4}::int`),
    set(
      'completed_object',
      `jsonb_build_object('generation', $${n}::text, 'crc32c', $${n + 1}::text, 'embedding_model', embedding_model, 'chunk_size', chunk_size, 'chunk_overlap', chunk_overlap, 'attempt', attempt, 'pages', ${pages}, 'pages_skipped', ${pagesSkipped})`,
    ),
  ].join(',\n');
};
/** The "unchanged, skipped" history entry of a skipped attempt, once (an empty array otherwise). */
const skippedEntry = (n: number, when: string) =>
  `CASE WHEN ${when} AND $${n}::text IS NOT NULL AND $${n + 5}::boolean AND NOT ingestion_history @> '[{"event": "unchanged_skipped"}]'::jsonb THEN ${historyItem(
    'unchanged_skipped',
    `'unchanged, skipped: object generation ' || $${n}::text || ' and CRC32C ' || $${n + 1}::text || ' are those the last completed attempt stored with the same settings; nothing was embedded or written'`,
  )} ELSE '[]'::jsonb END`;
/**
 * A page count a report sets (`value`, a parameter): a skipped attempt read no file, so the
 * count it reports means nothing and the last completed attempt's count (kept in completed_object)
 * stands instead; otherwise the report's count, or the column unchanged when it has none.
 */
const pagesTerm = (column: 'pages' | 'pages_skipped', value: string, n: number, when: string) =>
  `CASE WHEN ${when} AND $${n}::text IS NOT NULL AND $${n + 5}::boolean THEN COALESCE((completed_object->>'${column}')::int, ${column}) ELSE COALESCE(${value}, ${column}) END`;
const workParams = (work: AttemptWork) => [
  work.object?.generation ?? null,
  work.object?.crc32c ?? null,
  work.chunks_embedded ?? null,
  work.chunks_reused ?? null,
  work.embedding_tokens ?? null,
  work.skipped === 'unchanged',
];

export type ProgressOutcome = { applied: true; link: Link } | { applied: false; reason: 'unknown_link' | 'final' | 'stale_attempt' | 'behind'; link?: Link };

/**
 * Every change of a link's ingestion state, each one conditional UPDATE so that concurrent
 * callbacks, dispatch outcomes and the sweeper can never move a link backwards or reopen a
 * final attempt. Every change recorded is published to the link's event streams as the row it left.
 */
@Injectable()
export class LinksRepository {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() private readonly events?: LinkEvents,
  ) {}

  /** The rows an UPDATE … RETURNING answered, published as they were recorded. */
  private recorded(rows: Link[]): Link[] {
    if (rows.length) this.events?.changed(rows);
    return rows;
  }

  async find(id: number): Promise<Link | undefined> {
    const { rows } = await this.pool.query<Link>(`SELECT ${LINK_COLUMNS} FROM file_knowledge_base_links WHERE id = $1`, [id]);
    return rows[0];
  }

  /**
   * The link with what a dispatch sends of its file; undefined when either is gone.
   */
  async findForDispatch(id: number): Promise<LinkToDispatch | undefined> {
    const { rows } = await this.pool.query<LinkToDispatch>(
      `SELECT ${LINK_COLUMNS.split(',')
        .map((c) => `l.${c.trim()}`)
        .join(', ')}, f.storage_path, f.user_uuid, f.team_id, f.project_id
         FROM file_knowledge_base_links l JOIN files f ON f.uuid = l.file_uuid WHERE l.id = $1`,
      [id],
    );
    return rows[0];
  }

  /** The files of one knowledge base with their link's ingestion state, newest first. */
  async filesIn(knowledgebaseId: string): Promise<FileWithLink[]> {
    const linkColumns = LINK_COLUMNS.split(',')
      .map((c) => c.trim())
      .filter((c) => c !== 'id' && c !== 'file_uuid')
      .map((c) => `l.${c}`)
      .join(', ');
    const { rows } = await this.pool.query<FileWithLink>(
      `SELECT f.uuid, f.title, f.storage_path, f.content_type, f.size::float8 AS size, f.user_uuid, f.team_id, f.project_id, f.created_at,
              l.id AS link_id, ${linkColumns}
         FROM file_knowledge_base_links l JOIN files f ON f.uuid = l.file_uuid
        WHERE l.knowledgebase_id = $1 ORDER BY f.created_at DESC, f.uuid`,
      [knowledgebaseId],
    );
    return rows;
  }

  /** These links, those of them in this knowledge base. */
  async findInKnowledgeBase(ids: number[], knowledgebaseId: string): Promise<Link[]> {
    const { rows } = await this.pool.query<Link>(
      `SELECT ${LINK_COLUMNS} FROM file_knowledge_base_links WHERE id = ANY($1::int[]) AND knowledgebase_id = $2 ORDER BY id`,
      [ids, knowledgebaseId],
    );
    return rows;
  }

  async forFile(fileUuid: string): Promise<Link[]> {
    const { rows } = await this.pool.query<Link>(`SELECT ${LINK_COLUMNS} FROM file_knowledge_base_links WHERE file_uuid = $1 ORDER BY id`, [fileUuid]);
    return rows;
  }

  async findPair(fileUuid: string, knowledgebaseId: string): Promise<Link | undefined> {
    const { rows } = await this.pool.query<Link>(`SELECT ${LINK_COLUMNS} FROM file_knowledge_base_links WHERE file_uuid = $1 AND knowledgebase_id = $2`, [
      fileUuid,
      knowledgebaseId,
    ]);
    return rows[0];
  }

  /** Creates the link when missing (not_started); answers it either way. */
  async ensure(fileUuid: string, knowledgebaseId: string): Promise<Link> {
    await this.pool.query(`INSERT INTO file_knowledge_base_links (file_uuid, knowledgebase_id) VALUES ($1, $2) ON CONFLICT (file_uuid, knowledgebase_id) DO NOTHING`, [
      fileUuid,
      knowledgebaseId,
    ]);
    return (await this.findPair(fileUuid, knowledgebaseId))!;
  }

  /** The links of these files in one knowledge base (absent pairs are left out). */
  async findPairs(fileUuids: string[], knowledgebaseId: string): Promise<Link[]> {
    const { rows } = await this.pool.query<Link>(
      `SELECT ${LINK_COLUMNS} FROM file_knowledge_base_links WHERE file_uuid = ANY($1::uuid[]) AND knowledgebase_id = $2 ORDER BY id`,
      [fileUuids, knowledgebaseId],
    );
    return rows;
  }

  /** Creates the missing links (not_started) in one statement; answers every pair's link. */
  async ensureMany(fileUuids: string[], knowledgebaseId: string): Promise<Link[]> {
    await this.pool.query(
      `INSERT INTO file_knowledge_base_links (file_uuid, knowledgebase_id) SELECT unnest($1::uuid[]), $2 ON CONFLICT (file_uuid, knowledgebase_id) DO NOTHING`,
      [fileUuids, knowledgebaseId],
    );
    return this.findPairs(fileUuids, knowledgebaseId);
  }

  /**
   * A new attempt, pending, on each of these links in one statement, under the trace of the request
   * that started it; a link with an attempt still open is left out unless forced (answers only the
   * links it opened).
   */
  async openAttempts(linkIds: number[], settings: { embeddingModel: string; chunkSize: number; chunkOverlap: number; traceId: string }, force: boolean): Promise<Link[]> {
    const { rows } = await this.pool.query<Link>(
      `UPDATE file_knowledge_base_links SET ingestion_status = 'pending', attempt = attempt + 1, ingestion_progress = 0,
              processed_docs = 0, total_docs = 0, chunk_count = NULL, pages = NULL, pages_skipped = NULL, current_stage = NULL, ingestion_error = NULL,
              ingestion_started_at = NULL, ingestion_completed_at = NULL, last_progress_at = now(),
              accepted_at = NULL, dispatch_retries = 0, retry_until = NULL, failed_by = NULL, ingestion_history = '[]'::jsonb,
              object_generation = NULL, object_crc32c = NULL, chunks_embedded = NULL, chunks_reused = NULL, embedding_tokens = NULL, forced = $5::boolean,
              embedding_model = $2, chunk_size = $3, chunk_overlap = $4, trace_id = $6
        WHERE id = ANY($1::int[]) AND ($5::boolean OR NOT ${OPEN})
        RETURNING ${LINK_COLUMNS}`,
      [linkIds, settings.embeddingModel, settings.chunkSize, settings.chunkOverlap, force, settings.traceId],
    );
    return this.recorded(rows);
  }

  /** pending → processing for this attempt only; undefined when the attempt is no longer current. */
  async startProcessing(linkId: number, attempt: number): Promise<Link | undefined> {
    const { rows } = await this.pool.query<Link>(
      `UPDATE file_knowledge_base_links SET ingestion_status = 'processing', ingestion_started_at = now(), last_progress_at = now()
        WHERE id = $1 AND attempt = $2 AND ingestion_status = 'pending'
        RETURNING ${LINK_COLUMNS}`,
      [linkId, attempt],
    );
    return this.recorded(rows)[0];
  }

  /**
   * docs/wire-contract.md#progress-callback: applied only if it moves the link forward within the current, open attempt:
   * neither its progress nor its stage (in pipeline order) may go back. The one writer of the
   * service's outcome: its final callback, and its answer to /ingest-file read as one (the
   * fallback for a callback that never arrived), both end the attempt here.
   */
  async applyProgress(fileUuid: string, update: ProgressUpdate): Promise<ProgressOutcome> {
    if (update.link_id === null) return { applied: false, reason: 'unknown_link' };
    const final = isFinalStatus(update.status);
    const progress = update.status === 'completed' ? 100 : update.progress;
    const completedWhen = `$3::text = 'completed'`;
    const pagesSet = pagesTerm('pages', '$13::int', 15, completedWhen);
    const pagesSkippedSet = pagesTerm('pages_skipped', '$14::int', 15, completedWhen);
    // A completion of this very attempt also ends a failure the api only inferred (sweeper,
    // transport error): the service's word beats the api's guess, and the guess goes to history.
    const { rows } = await this.pool.query<Link>(
      `UPDATE file_knowledge_base_links SET
          ingestion_history = CASE WHEN ${INFERRED_FAILURE} THEN ${historyEntry('failure_overridden', 'ingestion_error')} ELSE ingestion_history END
            || ${skippedEntry(15, completedWhen)},
          ${workTerms(15, completedWhen, pagesSet, pagesSkippedSet)},
          ingestion_status = $3::text,
          ingestion_progress = GREATEST(ingestion_progress, $4::real),
          processed_docs = GREATEST(processed_docs, $5::int),
          total_docs = CASE WHEN $6::int > 0 THEN $6::int ELSE total_docs END,
          current_stage = COALESCE($7::text, current_stage),
          chunk_count = COALESCE($8::int, chunk_count),
          pages = ${pagesSet},
          pages_skipped = ${pagesSkippedSet},
          ingestion_error = CASE WHEN $3::text = 'failed' THEN $9::text ELSE NULL END,
          failed_by = CASE WHEN $3::text = 'failed' THEN 'service' ELSE NULL END,
          ingestion_completed_at = CASE WHEN $10::boolean THEN now() ELSE ingestion_completed_at END,
          accepted_at = COALESCE(accepted_at, now()),
          last_progress_at = now()
        WHERE id = $1 AND file_uuid = $2
          AND (${OPEN} OR ($3::text = 'completed' AND $11::int IS NOT NULL AND ${INFERRED_FAILURE}))
          AND ($11::int IS NULL OR attempt = $11::int)
          AND ($10::boolean OR $4::real >= ingestion_progress)
          AND ($10::boolean OR $7::text IS NULL OR current_stage IS NULL
               OR array_position($12::text[], $7::text) >= array_position($12::text[], current_stage))
        RETURNING ${LINK_COLUMNS}`,
      [
        update.link_id,
        fileUuid,
        update.status,
        progress,
        update.processed_docs,
        update.total_docs,
        update.stage ?? null,
        update.chunks ?? (update.status === 'completed' ? update.processed_docs : null),
        update.error ?? (update.status === 'failed' ? 'the ingestion failed without a message' : null),
        final,
        update.attempt ?? null,
        [...INGESTION_STAGES],
        update.pages ?? null,
        update.pages_skipped ?? null,
        ...workParams(update),
      ],
    );
    if (rows[0]) return { applied: true, link: this.recorded(rows)[0] };
    const link = await this.find(update.link_id);
    if (!link || link.file_uuid !== fileUuid) return { applied: false, reason: 'unknown_link' };
    if (update.attempt != null && update.attempt !== link.attempt) return { applied: false, reason: 'stale_attempt', link };
    if (isFinalStatus(link.ingestion_status)) return { applied: false, reason: 'final', link };
    return { applied: false, reason: 'behind', link };
  }

  /**
   * Ends an open attempt as failed by the api (it inferred the failure: a completion of the same
   * attempt may still override it); a final state already reached is kept.
   */
  async failAttempt(linkId: number, attempt: number, message: string): Promise<boolean> {
    const { rows } = await this.pool.query<Link>(
      `UPDATE file_knowledge_base_links SET ingestion_status = 'failed', ingestion_error = $3, failed_by = 'api', ingestion_completed_at = now()
        WHERE id = $1 AND attempt = $2 AND ${OPEN}
        RETURNING ${LINK_COLUMNS}`,
      [linkId, attempt, message.slice(0, 4000)],
    );
    return this.recorded(rows).length > 0;
  }

  /**
   * Ends an attempt the service never accepted (no callback yet) as failed by the api; one it did
   * accept is left alone: its final callback, or the sweeper, ends it.
   */
  async failUnaccepted(linkId: number, attempt: number, message: string): Promise<boolean> {
    const { rows } = await this.pool.query<Link>(
      `UPDATE file_knowledge_base_links SET ingestion_status = 'failed', ingestion_error = $3, failed_by = 'api', ingestion_completed_at = now()
        WHERE id = $1 AND attempt = $2 AND ingestion_status = 'processing' AND accepted_at IS NULL
        RETURNING ${LINK_COLUMNS}`,
      [linkId, attempt, message.slice(0, 4000)],
    );
    return this.recorded(rows).length > 0;
  }

  /**
   * processing → pending again for an attempt the service never accepted (overloaded, refused,
   * unreachable), counting the retry; refused once `deadlineMs` has passed since the first retry.
   * Answers the retry number, or `accepted` / `deadline` when it was not put back.
   */
  async retryUnaccepted(
    linkId: number,
    attempt: number,
    reason: string,
    deadlineMs: number,
  ): Promise<{ retry: number } | { notRetried: 'accepted' | 'deadline' | 'gone' }> {
    const { rows } = await this.pool.query<Link>(
      `UPDATE file_knowledge_base_links SET ingestion_status = 'pending', ingestion_started_at = NULL, last_progress_at = now(),
              dispatch_retries = dispatch_retries + 1,
              retry_until = COALESCE(retry_until, now() + ($4::int * interval '1 millisecond')),
              ingestion_history = ${historyEntry('dispatch_retried', '$3::text')}
        WHERE id = $1 AND attempt = $2 AND ingestion_status = 'processing' AND accepted_at IS NULL
          AND (retry_until IS NULL OR retry_until > now())
        RETURNING ${LINK_COLUMNS}`,
      [linkId, attempt, reason.slice(0, 1000), deadlineMs],
    );
    if (rows[0]) return { retry: this.recorded(rows)[0].dispatch_retries };
    const link = await this.find(linkId);
    if (!link || link.attempt !== attempt || link.ingestion_status !== 'processing') return { notRetried: 'gone' };
    return { notRetried: link.accepted_at ? 'accepted' : 'deadline' };
  }

  /** Marks processing links that reported nothing for `staleMs` as failed; answers them. */
  async failStale(staleMs: number): Promise<Link[]> {
    const { rows } = await this.pool.query<Link>(
      `UPDATE file_knowledge_base_links SET ingestion_status = 'failed', ingestion_completed_at = now(), failed_by = 'api',
              ingestion_error = 'no progress since ' || to_char(last_progress_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                || ': the ingestion service stopped reporting (crashed, killed or timed out); re-ingest the file'
        WHERE ingestion_status = 'processing' AND last_progress_at < now() - ($1::int * interval '1 millisecond')
        RETURNING ${LINK_COLUMNS}`,
      [staleMs],
    );
    return this.recorded(rows);
  }

  /** Pending attempts queued more than `staleMs` ago (their job should have started by now). */
  async pendingSince(staleMs: number): Promise<Link[]> {
    const { rows } = await this.pool.query<Link>(
      `SELECT ${LINK_COLUMNS} FROM file_knowledge_base_links
        WHERE ingestion_status = 'pending' AND last_progress_at < now() - ($1::int * interval '1 millisecond')`,
      [staleMs],
    );
    return rows;
  }

  /** Deletes the link; answers it as it was at that moment (undefined when already gone). */
  async remove(linkId: number): Promise<Link | undefined> {
    const { rows } = await this.pool.query<Link>(`DELETE FROM file_knowledge_base_links WHERE id = $1 RETURNING ${LINK_COLUMNS}`, [linkId]);
    if (rows[0]) this.events?.removed(rows[0]);
    return rows[0];
  }
}
