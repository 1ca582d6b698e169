import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiClient, ApiError } from './api-client';
import { ProgressView, summaryTable, type Row } from './progress-view';

const USAGE = `usage: npm run ingest -- <files or folders…> [--kb NAME] [--search "text"] [--top K]

Uploads each file through the api, ingests it into the knowledge base (default: default),
shows progress until each ends, prints a summary, and exits non-zero if any failed.
Environment: API_URL (default http://127.0.0.1:3000), ADMIN_API_KEY (default local-admin-key).`;

const FINAL = new Set(['completed', 'failed']);

function expand(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) throw new Error(`no such file or folder: ${path}`);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
        if (entry.isFile() && !entry.name.startsWith('.')) files.push(join(entry.parentPath, entry.name));
      }
    } else files.push(path);
  }
  return files.sort();
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { kb: { type: 'string', default: 'default' }, search: { type: 'string' }, top: { type: 'string', default: '5' }, help: { type: 'boolean' } },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const kb = values.kb!;
  const api = new ApiClient(process.env.API_URL || 'http://127.0.0.1:3000', process.env.ADMIN_API_KEY || 'local-admin-key');
  const files = expand(positionals);
  const started = Date.now();

  const rows: Row[] = [];
  const uuids: string[] = [];
  for (const file of files) {
    const row: Row = { name: basename(file), status: 'uploading', progress: 0, stage: null, chunks: null, error: null, seconds: 0 };
    rows.push(row);
    try {
      uuids.push((await api.upload(file, kb)).uuid);
    } catch (error) {
      Object.assign(row, { status: 'failed', error: `upload: ${(error as Error).message}` });
      uuids.push('');
      if (error instanceof ApiError && error.status === 0) throw error;
    }
  }
  const uploaded = uuids.filter(Boolean);
  if (uploaded.length) await api.ingest(uploaded, kb);

  const view = new ProgressView();
  while (rows.some((r) => !FINAL.has(r.status))) {
    await Promise.all(
      rows.map(async (row, i) => {
        if (FINAL.has(row.status) || !uuids[i]) return;
        const link = await api.progress(uuids[i], kb);
        if (!link) return;
        row.status = link.ingestion_status;
        row.progress = Number(link.ingestion_progress ?? 0);
        row.stage = link.current_stage;
        row.chunks = link.chunk_count;
        row.error = link.ingestion_error;
        row.seconds = (Date.now() - started) / 1000;
      }),
    );
    view.render(rows);
    if (rows.some((r) => !FINAL.has(r.status))) await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`\n${summaryTable(rows)}\n`);

  if (values.search) {
    const { results } = await api.search(kb, values.search, Number(values.top));
    console.log(`top ${results.length} for "${values.search}":`);
    results.forEach((hit, i) => {
      const source = `${hit.file_name ?? '?'}${hit.page ? `, page ${hit.page}` : ''}`;
      console.log(`${i + 1}. [${hit.score.toFixed(3)}] ${source}\n   ${hit.text.replace(/\s+/g, ' ').slice(0, 240)}`);
    });
  }
  const failed = rows.filter((r) => r.status === 'failed').length;
  console.log(`${rows.length - failed} completed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`ingest: ${(error as Error).message}`);
    process.exit(1);
  },
);
