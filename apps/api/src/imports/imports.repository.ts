import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ImportCounts, ImportItemStatus, ImportStatus } from '@docingest/contracts';
import type { ListedObject } from '@docingest/gcs-access';
import { PG_POOL } from '../database/database.module';

export interface ImportRow {
  id: string;
  knowledgebase_id: string;
  gcs_uri: string;
  bucket: string;
  prefix: string;
  include: string[];
  exclude: string[];
  status: ImportStatus;
  pages_listed: number;
  next_page_token: string | null;
  error: string | null;
  created_at: Date;
  listed_at: Date | null;
  listing_ms: number;
  completed_at: Date | null;
}

/** An object's file as found or registered, with the generation it was registered at before this import. */
export interface RegisteredFile {
  name: string;
  file_uuid: string;
  /** Null when the file is new to this import or was uploaded (generation unknown). */
  previous_generation: string | null;
  created: boolean;
}

export interface ImportItem {
  object_name: string;
  generation: string;
  file_uuid: string;
  link_id: number;
  attempt: number | null;
  outcome: 'skipped_unchanged' | 'queued';
}

export interface ImportResultRow {
  object_name: string;
  generation: string;
  file_uuid: string;
  status: ImportItemStatus;
  chunks: number | null;
  error: string | null;
}

const COLUMNS = `id, knowledgebase_id, gcs_uri, bucket, prefix, include, exclude, status, pages_listed, next_page_token, error,
  created_at, listed_at, listing_ms, completed_at`;

/**
 * Each item's status from its link, read when asked: the attempt the import queued (or found
 * running) decides it until a later attempt of the same file replaces it (superseded).
 */
const ITEM_STATUS = `
  SELECT i.import_id, i.object_name, i.generation, i.file_uuid,
         CASE WHEN i.outcome = 'skipped_unchanged' THEN 'skipped_unchanged'
              WHEN l.id IS NULL THEN 'failed'
              WHEN l.attempt > i.attempt THEN 'superseded'
              ELSE l.ingestion_status END AS status,
         CASE WHEN i.outcome = 'skipped_unchanged' OR (l.attempt = i.attempt AND l.ingestion_status = 'completed') THEN l.chunk_count END AS chunks,
         CASE WHEN l.id IS NULL THEN 'the file was removed from the knowledge base'
              WHEN i.outcome = 'queued' AND l.attempt = i.attempt THEN l.ingestion_error END AS error
    FROM import_items i LEFT JOIN file_knowledge_base_links l ON l.id = i.link_id
   WHERE i.import_id = ANY($1::uuid[])`;

/** The import, its items and the files it registers: each step a few statements, however many objects a page holds. */
@Injectable()
export class ImportsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async create(row: Pick<ImportRow, 'knowledgebase_id' | 'gcs_uri' | 'bucket' | 'prefix' | 'include' | 'exclude'>): Promise<ImportRow> {
    const { rows } = await this.pool.query<ImportRow>(
      `INSERT INTO imports (knowledgebase_id, gcs_uri, bucket, prefix, include, exclude) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb) RETURNING ${COLUMNS}`,
      [row.knowledgebase_id, row.gcs_uri, row.bucket, row.prefix, JSON.stringify(row.include), JSON.stringify(row.exclude)],
    );
    return rows[0];
  }

  async find(id: string): Promise<ImportRow | undefined> {
    return (await this.pool.query<ImportRow>(`SELECT ${COLUMNS} FROM imports WHERE id = $1`, [id])).rows[0];
  }

  /**
   * A page is done: counts it, keeps the token of the next one. After the last page the import is
   * running, or failed with `nothingKept` when no page held an object the globs keep (the request
   * that created it stopped listing before it could tell).
   */
  async recordPage(id: string, pagesListed: number, nextPageToken: string | undefined, listingMs: number, nothingKept: string): Promise<void> {
    await this.pool.query(
      `UPDATE imports SET pages_listed = $2, next_page_token = $3, listing_ms = listing_ms + $4,
              status = CASE WHEN $3::text IS NOT NULL THEN status WHEN kept.any THEN 'running' ELSE 'failed' END,
              error = CASE WHEN $3::text IS NULL AND NOT kept.any THEN $5 ELSE error END,
              completed_at = CASE WHEN $3::text IS NULL AND NOT kept.any THEN now() ELSE completed_at END,
              listed_at = CASE WHEN $3::text IS NULL THEN now() ELSE listed_at END,
              progress_at = now()
         FROM (SELECT EXISTS (SELECT 1 FROM import_items WHERE import_id = $1) AS any) AS kept
        WHERE id = $1 AND status = 'listing' AND pages_listed < $2`,
      [id, pagesListed, nextPageToken ?? null, Math.round(listingMs), nothingKept],
    );
  }

  /** Imports still listing whose listing has not moved for `staleAfterMs`: each may have lost its page job. */
  async listingSince(staleAfterMs: number): Promise<ImportRow[]> {
    const { rows } = await this.pool.query<ImportRow>(
      `SELECT ${COLUMNS} FROM imports WHERE status = 'listing' AND progress_at < now() - make_interval(secs => $1::double precision / 1000) ORDER BY progress_at LIMIT 100`,
      [staleAfterMs],
    );
    return rows;
  }

  async fail(id: string, message: string): Promise<void> {
    await this.pool.query(`UPDATE imports SET status = 'failed', error = $2, completed_at = now() WHERE id = $1 AND status = 'listing'`, [id, message.slice(0, 4000)]);
  }

  /**
   * A page of the knowledge base's imports, newest first, starting after `after`; each with its
   * creation time to the microsecond, as text, for the next page's cursor.
   */
  async page(knowledgebaseId: string, limit: number, after: { createdAt: string; id: string } | null): Promise<Array<ImportRow & { position_at: string }>> {
    const { rows } = await this.pool.query<ImportRow & { position_at: string }>(
      `SELECT ${COLUMNS}, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_at
         FROM imports
        WHERE knowledgebase_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
        ORDER BY created_at DESC, id DESC
        LIMIT $4`,
      [knowledgebaseId, after?.createdAt ?? null, after?.id ?? null, limit],
    );
    return rows;
  }

  /**
   * running → completed for those of these imports whose every queued item is final (`counts`
   * from `countsOf`); answers the rows as they are now, in one statement however many.
   */
  async settle(rows: ImportRow[], counts: Map<string, ImportCounts & { open: number }>): Promise<ImportRow[]> {
    const settled = rows.filter((r) => r.status === 'running' && counts.get(r.id)?.open === 0).map((r) => r.id);
    if (!settled.length) return rows;
    const { rows: updated } = await this.pool.query<ImportRow>(
      `UPDATE imports SET status = 'completed', completed_at = now() WHERE id = ANY($1::uuid[]) AND status = 'running' RETURNING ${COLUMNS}`,
      [settled],
    );
    const byId = new Map(updated.map((r) => [r.id, r]));
    // One settled meanwhile by another request is read again rather than shown as running.
    const missed = settled.filter((id) => !byId.has(id));
    if (missed.length) {
      for (const r of (await this.pool.query<ImportRow>(`SELECT ${COLUMNS} FROM imports WHERE id = ANY($1::uuid[])`, [missed])).rows) byId.set(r.id, r);
    }
    return rows.map((r) => ({ ...r, ...byId.get(r.id) }));
  }

  /** The counts of each of these imports, in one statement; an import without items counts zeros. */
  async countsOf(ids: string[]): Promise<Map<string, ImportCounts & { open: number }>> {
    const { rows } = await this.pool.query<ImportCounts & { open: number; import_id: string }>(
      `SELECT import_id,
              count(*)::int AS listed,
              count(*) FILTER (WHERE status = 'skipped_unchanged')::int AS skipped_unchanged,
              count(*) FILTER (WHERE status <> 'skipped_unchanged')::int AS queued,
              count(*) FILTER (WHERE status = 'completed')::int AS completed,
              count(*) FILTER (WHERE status = 'failed')::int AS failed,
              count(*) FILTER (WHERE status IN ('pending', 'processing', 'not_started'))::int AS open
         FROM (${ITEM_STATUS}) s
        GROUP BY import_id`,
      [ids],
    );
    const counts = new Map(ids.map((id) => [id, { listed: 0, skipped_unchanged: 0, queued: 0, completed: 0, failed: 0, open: 0 }]));
    for (const { import_id, ...row } of rows) counts.set(import_id, row);
    return counts;
  }

  /** At most `limit` of the import's results by object name, after the object named `after`: one statement, by the items' key. */
  async resultsAfter(id: string, after: string | null, limit: number): Promise<ImportResultRow[]> {
    const { rows } = await this.pool.query<ImportResultRow>(`${ITEM_STATUS} AND ($2::text IS NULL OR i.object_name > $2) ORDER BY i.object_name LIMIT $3`, [
      [id],
      after,
      limit,
    ]);
    return rows;
  }

  /** Which of these objects this import has already recorded (a page read again after a crash). */
  async recordedNames(id: string, names: string[]): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ object_name: string }>(`SELECT object_name FROM import_items WHERE import_id = $1 AND object_name = ANY($2::text[])`, [
      id,
      names,
    ]);
    return new Set(rows.map((r) => r.object_name));
  }

  /**
   * The file of each object (by its gs:// path), registering the missing ones at their listed
   * generation; one file per object even when two imports race (the partial unique index).
   */
  async registerFiles(bucket: string, objects: ListedObject[]): Promise<Map<string, RegisteredFile>> {
    const pathOf = (name: string) => `gs://${bucket}/${name}`;
    const found = async (names: string[]) =>
      (
        await this.pool.query<{ uuid: string; storage_path: string; source_generation: string | null }>(
          `SELECT DISTINCT ON (storage_path) uuid, storage_path, source_generation FROM files
            WHERE storage_path = ANY($1::text[]) ORDER BY storage_path, source_generation IS NULL, created_at`,
          [names.map(pathOf)],
        )
      ).rows;
    const byPath = new Map<string, RegisteredFile>();
    for (const row of await found(objects.map((o) => o.name))) {
      byPath.set(row.storage_path, { name: row.storage_path.slice(pathOf('').length), file_uuid: row.uuid, previous_generation: row.source_generation, created: false });
    }
    const missing = objects.filter((o) => !byPath.has(pathOf(o.name)));
    if (missing.length) {
      await this.pool.query(
        `INSERT INTO files (uuid, title, storage_path, content_type, size, source_generation)
         SELECT gen_random_uuid(), t.title, t.path, t.content_type, t.size, t.generation
           FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS t(title, path, content_type, size, generation)
         ON CONFLICT (storage_path) WHERE source_generation IS NOT NULL DO NOTHING`,
        [
          missing.map((o) => o.name.slice(o.name.lastIndexOf('/') + 1)),
          missing.map((o) => pathOf(o.name)),
          missing.map((o) => o.contentType),
          missing.map((o) => o.size),
          missing.map((o) => o.generation),
        ],
      );
      for (const row of await found(missing.map((o) => o.name))) {
        const name = row.storage_path.slice(pathOf('').length);
        const listed = missing.find((o) => o.name === name)!;
        // Registered here, or just now by a concurrent import of the same object: either way at this generation or another's.
        const created = row.source_generation === listed.generation;
        byPath.set(row.storage_path, { name, file_uuid: row.uuid, previous_generation: created ? null : row.source_generation, created });
      }
    }
    return new Map([...byPath.values()].map((f) => [f.name, f]));
  }

  /** Files whose object changed: the generation, size and type they are now queued at. */
  async updateGenerations(files: Array<{ file_uuid: string; object: ListedObject }>): Promise<void> {
    if (!files.length) return;
    await this.pool.query(
      `UPDATE files f SET source_generation = t.generation, size = t.size, content_type = COALESCE(t.content_type, f.content_type), updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[]) AS t(uuid, generation, size, content_type)
        WHERE f.uuid = t.uuid`,
      [files.map((f) => f.file_uuid), files.map((f) => f.object.generation), files.map((f) => f.object.size), files.map((f) => f.object.contentType)],
    );
  }

  async insertItems(id: string, items: ImportItem[]): Promise<void> {
    if (!items.length) return;
    await this.pool.query(
      `INSERT INTO import_items (import_id, object_name, generation, file_uuid, link_id, attempt, outcome)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::uuid[], $5::int[], $6::int[], $7::text[])
       ON CONFLICT (import_id, object_name) DO NOTHING`,
      [
        id,
        items.map((i) => i.object_name),
        items.map((i) => i.generation),
        items.map((i) => i.file_uuid),
        items.map((i) => i.link_id),
        items.map((i) => i.attempt),
        items.map((i) => i.outcome),
      ],
    );
  }
}
