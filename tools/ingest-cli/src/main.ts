import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { IngestionView } from '@docingest/contracts';
import { ApiClient, ApiError } from './api-client';
import { followLinks } from './follow-links';
import { importRow, resultRows } from './import-rows';
import { ProgressView, printable, summaryTable, type Row } from './progress-view';

const USAGE = `usage: npm run ingest -- <files or folders…> [--kb NAME] [--search "text"] [--top K]
       npm run ingest -- gs://bucket/prefix/ [--include GLOB]… [--exclude GLOB]… [--kb NAME]

Uploads each file through the api, ingests it into the knowledge base (default: default),
shows progress until each ends, prints a summary, and exits non-zero if any failed.
With gs:// addresses, imports every object under each prefix instead (nothing is uploaded):
objects already ingested at the same generation are skipped, changed ones ingested again.
  --kb NAME        knowledge base to ingest into (default: default)
  --include GLOB   gs:// imports: only objects whose name after the prefix matches (repeatable)
  --exclude GLOB   gs:// imports: leave out objects whose name after the prefix matches (repeatable)
  --search "text"  afterwards, search the knowledge base and print the best chunks
  --top K          how many search results (default 5)
Environment: API_URL (default http://127.0.0.1:3000), ADMIN_API_KEY (default local-admin-key).`;

/** The import's own poll (an import has no event stream). */
const FINAL = new Set(['completed', 'failed']);
const POLL_MS = 500;
/** Polls in a row that may fail (the api restarting, say) before the command gives up. */
const POLL_FAILURES_ALLOWED = 60;

class UsageError extends Error {}

function expand(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) throw new UsageError(`no such file or folder: ${path}`);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
        if (entry.isFile() && !entry.name.startsWith('.')) files.push(join(entry.parentPath, entry.name));
      }
    } else files.push(path);
  }
  if (!files.length) throw new UsageError(`no files in ${paths.join(', ')}`);
  return files.sort();
}

function options() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        kb: { type: 'string', default: 'default' },
        search: { type: 'string' },
        top: { type: 'string', default: '5' },
        include: { type: 'string', multiple: true, default: [] },
        exclude: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function seconds(link: IngestionView): number | null {
  if (!link.ingestion_started_at || !link.ingestion_completed_at) return null;
  const ms = Date.parse(link.ingestion_completed_at) - Date.parse(link.ingestion_started_at);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : null;
}

async function main(): Promise<number> {
  const { values, positionals } = options();
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name at least one file or folder');
  const top = Number(values.top);
  if (!Number.isInteger(top) || top < 1 || top > 100) throw new UsageError(`--top ${values.top}: give a whole number from 1 to 100`);
  const kb = values.kb!;
  const api = new ApiClient((process.env.API_URL || 'http://127.0.0.1:3000').replace(/\/+$/, ''), process.env.ADMIN_API_KEY || 'local-admin-key');
  const imports = positionals.filter((p) => p.startsWith('gs://'));
  if (imports.length && imports.length !== positionals.length) throw new UsageError('give either gs:// prefixes or local files and folders, not both');
  if (!imports.length && (values.include!.length || values.exclude!.length)) throw new UsageError('--include and --exclude apply to gs:// prefixes only');
  const files = imports.length ? [] : expand(positionals);
  // Checked first, so a wrong key or name fails once, before anything is uploaded.
  await api.knowledgeBase(kb);

  const rows: Row[] = imports.length ? await followImports(api, kb, imports, values.include!, values.exclude!) : await ingestFiles(api, kb, files);

  if (values.search) {
    const { results } = await api.search(kb, values.search, top);
    console.log(results.length ? `top ${results.length} in '${kb}' for "${values.search}":` : `nothing in '${kb}' matches "${values.search}"`);
    results.forEach((hit, i) => {
      const source = `${printable(hit.file_name ?? 'unknown file')}${hit.page ? `, page ${hit.page}` : ''}`;
      console.log(`${i + 1}. ${source}  (score ${hit.score.toFixed(3)})\n   ${printable(hit.text.replace(/\s+/g, ' ')).slice(0, 240)}`);
    });
    console.log('');
  }
  const failed = rows.filter((r) => r.status === 'failed').length;
  console.log(`${rows.length - failed} completed, ${failed} failed`);
  return failed ? 1 : 0;
}

/** Polls until `step` says every row is final; a run of failed polls (the api restarting) is tolerated for a while. */
async function pollUntilFinal(rows: Row[], step: () => Promise<void>): Promise<void> {
  const view = new ProgressView();
  let failedPolls = 0;
  view.render(rows);
  while (rows.some((r) => !FINAL.has(r.status))) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    try {
      await step();
      failedPolls = 0;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) throw error;
      if (++failedPolls > POLL_FAILURES_ALLOWED) throw new Error(`could not follow the progress: ${(error as Error).message}`);
    }
    view.render(rows);
  }
}

/** Most per-file lines the summary of an import prints; the rest are in the results download. */
const SUMMARY_ROWS = 50;

/** Starts an import per prefix, shows one progress row each, then the per-file summary. Answers one row per file. */
async function followImports(api: ApiClient, kb: string, uris: string[], include: string[], exclude: string[]): Promise<Row[]> {
  const started = await Promise.all(uris.map((uri) => api.startImport(kb, uri, include, exclude)));
  const since = Date.now();
  const rows = started.map((imported) => importRow(imported, null));
  const latest = [...started];
  await pollUntilFinal(rows, async () => {
    await Promise.all(
      latest.map(async (imported, i) => {
        if (FINAL.has(rows[i].status)) return;
        latest[i] = await api.importProgress(kb, imported.import_id);
        rows[i] = importRow(latest[i], (Date.now() - since) / 1000);
      }),
    );
  });
  const perFile: Row[] = [];
  for (const imported of latest) {
    const results = resultRows(imported, await api.importResults(kb, imported.import_id));
    perFile.push(...results);
    const shown = results.length <= SUMMARY_ROWS ? results : results.filter((r) => r.status === 'failed').slice(0, SUMMARY_ROWS);
    console.log(`\n${imported.gcs_uri}: ${imported.counts.listed} objects, ${imported.counts.skipped_unchanged} unchanged, ${imported.counts.queued} queued`);
    if (shown.length) console.log(`${summaryTable(shown)}\n`);
    if (shown.length < results.length) {
      console.log(`(${results.length - shown.length} more rows: GET /api/v1/knowledge-bases/${kb}/imports/${imported.import_id}/results?format=csv)`);
    }
    if (imported.status === 'failed') perFile.push({ ...importRow(imported, null), name: imported.gcs_uri });
  }
  return perFile.map((r) => (r.status === 'skipped_unchanged' ? { ...r, status: 'completed' } : r));
}

/** Uploads each file, queues them all, shows a progress row per file, then the summary. */
async function ingestFiles(api: ApiClient, kb: string, files: string[]): Promise<Row[]> {
  const rows: Row[] = files.map((file) => ({
    name: basename(file),
    status: 'uploading',
    progress: 0,
    stage: null,
    chunks: null,
    pages: null,
    error: null,
    seconds: null,
  }));
  const uuids: Array<string | null> = [];
  for (const [i, file] of files.entries()) {
    try {
      uuids.push((await api.upload(file, kb)).uuid);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 0 || error.status === 401)) throw error;
      Object.assign(rows[i], { status: 'failed', error: `upload: ${(error as Error).message}` });
      uuids.push(null);
    }
  }
  const uploaded = uuids.filter((u): u is string => !!u);
  const linkOf = new Map<string, number>();
  if (uploaded.length) for (const queued of await api.ingest(uploaded, kb)) linkOf.set(queued.file_uuid, queued.link_id);
  rows.forEach((row, i) => {
    if (uuids[i]) row.status = 'pending';
  });

  const view = new ProgressView();
  view.render(rows);
  // Each change as the api records it (its event stream), or polled every 0.5 s where the stream
  // is not available (docs/decisions.md).
  const rowOf = new Map(rows.flatMap((row, i) => (uuids[i] && linkOf.has(uuids[i]!) ? [[linkOf.get(uuids[i]!)!, row] as const] : [])));
  await followLinks(api, kb, [...rowOf.keys()], (link) => {
    const row = rowOf.get(link.link_id)!;
    row.status = link.ingestion_status;
    row.progress = Number(link.ingestion_progress ?? 0);
    row.stage = link.current_stage;
    row.chunks = link.chunk_count;
    row.pages = typeof link.pages === 'number' ? link.pages : null;
    row.error = link.ingestion_error;
    row.seconds = seconds(link);
    view.render(rows);
  });
  // A completed file's page count is recorded from the service's answer, just after its final
  // report: asked for again, for up to 2 s, for the summary.
  const pageless = [...rowOf].filter(([, row]) => row.status === 'completed' && row.pages === null);
  for (let wait = 0; pageless.length && wait < 10; wait++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const [linkId, row] of [...pageless]) {
      const link = await api.ingestion(linkId).catch(() => null);
      if (typeof link?.pages === 'number') {
        row.pages = link.pages;
        pageless.splice(pageless.indexOf(pageless.find(([id]) => id === linkId)!), 1);
      }
    }
  }
  console.log(`\n${summaryTable(rows)}\n`);
  return rows;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError) {
      console.error(`ingest: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`ingest: ${(error as Error).message}`);
    process.exit(1);
  },
);
