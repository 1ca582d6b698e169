import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import type { Storage } from '@google-cloud/storage';
import type { CreateImportRequest, ImportList, ImportResult, ImportResults, ImportView } from '@docingest/contracts';
import { traceFromHeadersOrNew } from '@docingest/cloud-logging';
import { GcsAccessError, listObjectPage, objectFilter, resolvePrefix, type ListedObject, type ObjectPage, type PrefixRef } from '@docingest/gcs-access';
import { ApiError } from '../common/api-error';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { STORAGE } from '../files/files.service';
import { IngestionsService } from '../ingestion-queue/ingestions.service';
import { KnowledgeBasesService } from '../knowledge-bases/knowledge-bases.service';
import { LinksRepository } from '../ingestions/links.repository';
import type { KnowledgeBase } from '../knowledge-bases/knowledge-bases.repository';
import { IMPORTS_QUEUE, LIST_IMPORT_PAGE_JOB, LIST_IMPORT_PAGE_JOB_OPTIONS, listImportPageJobId, type ListImportPageJob } from './import-job';
import { encodeImportCursor, type ImportListQuery } from './import-list-query';
import { encodeResultsCursor, type ImportResultsQuery } from './import-results-query';
import { ImportsRepository, type ImportItem, type ImportResultRow, type ImportRow } from './imports.repository';

function asApiError(error: unknown, field?: string): unknown {
  if (!(error instanceof GcsAccessError)) return error;
  return new ApiError(error.statusCode, error.message, {
    code: error.code,
    field: error.code === 'invalid_path' || error.code === 'bucket_not_allowed' ? field : undefined,
  });
}

const OPEN = new Set(['pending', 'processing']);

/**
 * Most listing pages `POST .../imports` reads before it answers. Enough for the usual prefix (a
 * first page with something to take, or a small prefix with nothing, refused with a 404 at once),
 * few enough that a glob matching nothing under a huge prefix does not hold the request for a
 * thousand listing calls: past them the imports queue goes on from the saved page token.
 */
export const START_LISTING_PAGES = 3;

/**
 * Results read per statement when the whole of them is asked for: the api holds one batch at a
 * time, a few hundred kB, however many objects the import took.
 */
export const RESULTS_BATCH = 1000;

const noneMatches = (seen: number | null, where: string) => `none of the ${seen === null ? '' : `${seen} `}objects under ${where} matches the include and exclude globs`;

/**
 * Imports from a gs:// prefix: list a page, register its objects as files (one per object,
 * keyed by bucket and name; a new generation re-queues it), queue them through the normal
 * dispatch, then the next page, as a job of its own so a restart resumes where it was.
 */
@Injectable()
export class ImportsService {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(STORAGE) private readonly storage: Storage,
    @InjectQueue(IMPORTS_QUEUE) private readonly queue: Queue<ListImportPageJob>,
    private readonly imports: ImportsRepository,
    private readonly ingestions: IngestionsService,
    private readonly knowledgeBases: KnowledgeBasesService,
    private readonly links: LinksRepository,
  ) {}

  private resolve(uri: string): PrefixRef {
    try {
      return resolvePrefix(uri, { defaultBucket: this.config.GCS_BUCKET, allowedBuckets: this.config.GCS_ALLOWED_BUCKETS });
    } catch (error) {
      throw asApiError(error, 'gcs_uri');
    }
  }

  private filter(include: string[], exclude: string[]): (object: ListedObject, prefix: string) => boolean {
    let keep: (name: string) => boolean;
    try {
      keep = objectFilter(include, exclude);
    } catch (error) {
      throw asApiError(error, /^exclude/.test((error as Error).message) ? 'exclude' : 'include');
    }
    return (object, prefix) => keep(object.name.slice(prefix.length));
  }

  private async listPage(ref: PrefixRef, pageToken: string | undefined): Promise<{ page: ObjectPage; ms: number }> {
    const started = performance.now();
    const page = await listObjectPage(this.storage, ref, { pageToken, pageSize: this.config.IMPORT_LIST_PAGE_SIZE });
    return { page, ms: performance.now() - started };
  }

  /**
   * Checks the request, then reads pages until one holds an object the globs keep, at most
   * START_LISTING_PAGES of them: a prefix that gives nothing within them is refused (404) before
   * any import exists. The page it stopped at is registered and queued before the answer; the
   * rest are listed by the imports queue, so an import whose first kept object lies further on
   * answers at once, `listing`, and fails later if the whole prefix keeps nothing.
   */
  async start(kbId: string, request: CreateImportRequest): Promise<ImportView> {
    const kb = await this.knowledgeBases.get(kbId);
    const ref = this.resolve(request.gcs_uri);
    const keep = this.filter(request.include, request.exclude);
    let pages = 0;
    let seen = 0;
    let listingMs = 0;
    let pageToken: string | undefined;
    let page: ObjectPage;
    do {
      const listed = await this.listPage(ref, pageToken).catch((error) => {
        throw asApiError(error);
      });
      ({ page } = listed);
      listingMs += listed.ms;
      pages++;
      seen += page.objects.length;
      if (page.objects.some((o) => keep(o, ref.prefix))) break;
      pageToken = page.nextPageToken;
    } while (pageToken && pages < START_LISTING_PAGES);
    const where = `gs://${ref.bucket}/${ref.prefix}`;
    if (!page.nextPageToken && !page.objects.some((o) => keep(o, ref.prefix))) {
      throw seen === 0
        ? new ApiError(404, `there is no object under ${where}`, { code: 'empty_prefix', field: 'gcs_uri' })
        : new ApiError(404, noneMatches(seen, where), { code: 'empty_prefix', field: 'include' });
    }
    const row = await this.imports.create({
      knowledgebase_id: kb.knowledgebase_id,
      gcs_uri: where,
      bucket: ref.bucket,
      prefix: ref.prefix,
      include: request.include,
      exclude: request.exclude,
    });
    try {
      await this.takePage(row, kb, page, pages, listingMs);
    } catch (error) {
      // No job continues an import whose first page failed: left `listing`, it would say so forever.
      await this.failListing(row.id, error).catch(() => undefined);
      throw error;
    }
    return (await this.view(kb.knowledgebase_id, row.id))!;
  }

  /** One page of the imports queue: a page already taken (a job run again) only makes sure the next one is queued. */
  async continueListing(job: ListImportPageJob): Promise<void> {
    const row = await this.imports.find(job.importId);
    if (!row || row.status !== 'listing') return;
    if (row.pages_listed > job.page) {
      if (row.next_page_token) await this.queueNextPage(row.id, row.pages_listed, row.next_page_token);
      return;
    }
    const kb = await this.knowledgeBases.find(row.knowledgebase_id);
    if (!kb) return; // the knowledge base was removed, and the import with it
    const { page, ms } = await this.listPage({ bucket: row.bucket, prefix: row.prefix }, job.pageToken || undefined);
    await this.takePage(row, kb, page, job.page + 1, ms);
  }

  async failListing(importId: string, error: unknown): Promise<void> {
    await this.imports.fail(importId, `listing failed: ${(error as Error).message ?? String(error)}`);
  }

  /**
   * Queues again the page job of each import left `listing` without one: an api killed inside
   * `POST .../imports` after the import was recorded and before its next page was queued. Only
   * imports whose listing has not moved for STALE_AFTER_MS, so a request still registering its
   * first page is not raced; the job id makes a second sweep (or api) queue nothing more. A page
   * job that failed for good without failing its import (the database was cut) fails it now.
   */
  async resumeStalledListings(): Promise<{ queued: string[]; failed: string[] }> {
    const queued: string[] = [];
    const failed: string[] = [];
    for (const row of await this.imports.listingSince(this.config.STALE_AFTER_MS)) {
      // Cut before its first page was recorded: listed again from the start (the objects it had registered are recognised).
      const next = { importId: row.id, page: row.pages_listed, pageToken: row.next_page_token ?? '' };
      const job = await this.queue.getJob(listImportPageJobId(next));
      const state = job && (await job.getState());
      if (state === 'failed') {
        await this.failListing(row.id, new Error(job!.failedReason ?? 'its page job failed'));
        failed.push(row.id);
        continue;
      }
      if (state && state !== 'completed') continue; // waiting, delayed or active: it runs, or Bull's stalled check runs it again
      // A completed job keeps its id and would swallow the new one; it ended without moving the import.
      if (job) await job.remove().catch(() => undefined);
      await this.queueNextPage(next.importId, next.page, next.pageToken);
      queued.push(row.id);
    }
    return { queued, failed };
  }

  private async queueNextPage(importId: string, pagesListed: number, pageToken: string): Promise<void> {
    const job = { importId, page: pagesListed, pageToken };
    await this.queue.add(LIST_IMPORT_PAGE_JOB, job, { ...LIST_IMPORT_PAGE_JOB_OPTIONS, jobId: listImportPageJobId(job) });
  }

  private async takePage(row: ImportRow, kb: KnowledgeBase, page: ObjectPage, pagesListed: number, listingMs: number): Promise<void> {
    const keep = this.filter(row.include, row.exclude);
    await this.register(
      row,
      kb,
      page.objects.filter((o) => keep(o, row.prefix)),
    );
    await this.imports.recordPage(row.id, pagesListed, page.nextPageToken, listingMs, noneMatches(null, row.gcs_uri));
    if (page.nextPageToken) await this.queueNextPage(row.id, pagesListed, page.nextPageToken);
  }

  /**
   * Registers and queues one page's objects. Unchanged (same generation) and completed: skipped.
   * Unchanged and already pending or processing: followed, not queued twice. Changed while an
   * attempt runs: that attempt is superseded (forced). Anything else: a new attempt.
   */
  private async register(row: ImportRow, kb: KnowledgeBase, listed: ListedObject[]): Promise<void> {
    const recorded = await this.imports.recordedNames(
      row.id,
      listed.map((o) => o.name),
    );
    const objects = listed.filter((o) => !recorded.has(o.name));
    if (!objects.length) return;
    const files = await this.imports.registerFiles(row.bucket, objects);
    const links = new Map((await this.links.ensureMany([...new Set([...files.values()].map((f) => f.file_uuid))], kb.knowledgebase_id)).map((l) => [l.file_uuid, l]));

    const items: ImportItem[] = [];
    const toOpen: number[] = [];
    const toForce: number[] = [];
    const changed: Array<{ file_uuid: string; object: ListedObject }> = [];
    for (const object of objects) {
      const file = files.get(object.name)!;
      const link = links.get(file.file_uuid)!;
      const unchanged = file.created || file.previous_generation === object.generation;
      if (!unchanged) changed.push({ file_uuid: file.file_uuid, object });
      const item = { object_name: object.name, generation: object.generation, file_uuid: file.file_uuid, link_id: link.id };
      if (unchanged && link.ingestion_status === 'completed' && !file.created) items.push({ ...item, attempt: null, outcome: 'skipped_unchanged' });
      else if (unchanged && OPEN.has(link.ingestion_status)) items.push({ ...item, attempt: link.attempt, outcome: 'queued' });
      else (OPEN.has(link.ingestion_status) ? toForce : toOpen).push(link.id);
    }
    // No request starts these: the page's attempts share a trace of their own (docs/wire-contract.md#trace).
    const { traceId } = traceFromHeadersOrNew({});
    const opened = [
      ...(await this.ingestions.queueAttempts(toOpen, kb, false, traceId)).opened,
      ...(await this.ingestions.queueAttempts(toForce, kb, true, traceId)).opened,
    ];
    const attempts = new Map(opened.map((l) => [l.id, l.attempt]));
    // Another request opened some of them meanwhile: follow the attempt it opened.
    const lost = [...toOpen, ...toForce].filter((id) => !attempts.has(id));
    for (const id of lost) {
      const link = await this.links.find(id);
      if (link) attempts.set(id, link.attempt);
    }
    for (const object of objects) {
      const file = files.get(object.name)!;
      const link = links.get(file.file_uuid)!;
      if (items.some((i) => i.object_name === object.name) || !attempts.has(link.id)) continue;
      items.push({
        object_name: object.name,
        generation: object.generation,
        file_uuid: file.file_uuid,
        link_id: link.id,
        attempt: attempts.get(link.id)!,
        outcome: 'queued',
      });
    }
    await this.imports.insertItems(row.id, items);
    await this.imports.updateGenerations(changed);
  }

  /** The import with its counts; undefined when it is not one of this knowledge base's. */
  async view(kbId: string, id: string): Promise<ImportView | undefined> {
    const found = await this.imports.find(id);
    if (!found || found.knowledgebase_id !== kbId) return undefined;
    return (await this.views([found]))[0];
  }

  /**
   * A page of the knowledge base's imports, newest first, each as `view` shows it: one query for
   * the page, one for every import's counts, one to settle those that ended, however many.
   */
  async list(kbId: string, query: ImportListQuery): Promise<ImportList> {
    const kb = await this.knowledgeBases.get(kbId);
    const rows = await this.imports.page(kb.knowledgebase_id, query.limit + 1, query.after);
    const shown = rows.slice(0, query.limit);
    const last = shown[shown.length - 1];
    return {
      items: await this.views(shown),
      next_cursor: rows.length > query.limit ? encodeImportCursor({ createdAt: last.position_at, id: last.id }) : null,
    };
  }

  private async views(found: ImportRow[]): Promise<ImportView[]> {
    if (!found.length) return [];
    const counts = await this.imports.countsOf(found.map((r) => r.id));
    const rows = await this.imports.settle(found, counts);
    return rows.map((row) => {
      const { open: _open, ...shown } = counts.get(row.id)!;
      return {
        import_id: row.id,
        knowledgebase_id: row.knowledgebase_id,
        gcs_uri: row.gcs_uri,
        include: row.include,
        exclude: row.exclude,
        status: row.status,
        counts: shown,
        pages_listed: row.pages_listed,
        listing_ms: row.listing_ms,
        error: row.error,
        created_at: row.created_at.toISOString(),
        listed_at: row.listed_at?.toISOString() ?? null,
        completed_at: row.completed_at?.toISOString() ?? null,
      };
    });
  }

  /** A page of the import's results by object name (`?limit=&cursor=`); undefined when it is not one of this knowledge base's. */
  async resultsPage(kbId: string, id: string, page: NonNullable<ImportResultsQuery['page']>): Promise<ImportResults | undefined> {
    const view = await this.view(kbId, id);
    if (!view) return undefined;
    const rows = await this.imports.resultsAfter(id, page.after, page.limit + 1);
    const shown = rows.slice(0, page.limit);
    return {
      import_id: view.import_id,
      status: view.status,
      results: shown.map(asResult(bucketOf(view))),
      next_cursor: rows.length > page.limit ? encodeResultsCursor(shown[shown.length - 1].object_name) : null,
    };
  }

  /** The import and every result, read RESULTS_BATCH at a time as the caller asks for the next batch. */
  async allResults(kbId: string, id: string): Promise<{ view: ImportView; batches: AsyncGenerator<ImportResult[]> } | undefined> {
    const view = await this.view(kbId, id);
    if (!view) return undefined;
    return { view, batches: this.resultBatches(id, bucketOf(view)) };
  }

  private async *resultBatches(id: string, bucket: string): AsyncGenerator<ImportResult[]> {
    let after: string | null = null;
    for (;;) {
      const rows = await this.imports.resultsAfter(id, after, RESULTS_BATCH);
      if (rows.length) yield rows.map(asResult(bucket));
      if (rows.length < RESULTS_BATCH) return;
      after = rows[rows.length - 1].object_name;
    }
  }
}

const bucketOf = (view: ImportView) => view.gcs_uri.slice('gs://'.length).split('/')[0];

const asResult =
  (bucket: string) =>
  (r: ImportResultRow): ImportResult => ({
    object: `gs://${bucket}/${r.object_name}`,
    generation: r.generation,
    file_uuid: r.file_uuid,
    status: r.status,
    chunks: r.chunks,
    error: r.error,
  });
