import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../testing/context';
import { PDF_PAGE_TWO_SENTENCE, writeCliDocuments } from '../testing/documents';
import { putObjects } from '../testing/bucket-objects';
import { parseSummaryTable, runIngestCli, type CliRun } from '../testing/run-cli';

/** `npm run ingest` as a separate process against the running api. */
export function ingestCliSuite(get: Context): void {
  let dir: string;
  let files: Awaited<ReturnType<typeof writeCliDocuments>>;
  let run: CliRun;
  const env = () => ({ API_URL: get().e2e.apiUrl, ADMIN_API_KEY: get().e2e.adminKey });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docingest-cli-'));
    files = await writeCliDocuments(dir);
    run = await runIngestCli([files.markdown, files.pdf, '--kb', get().kb.cli, '--search', 'the lighthouse keeper counts the puffins every morning'], env());
  }, 200_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ingests a Markdown file and a PDF, exits 0 and prints a summary row per file', async () => {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const table = parseSummaryTable(run.stdout);
    expect(Object.keys(table[0])).toEqual(['file', 'status', 'chunks', 'pages', 'time', 'error']);
    expect(table.map((r) => [r.file, r.status, r.error])).toEqual([
      ['depot-guide.md', 'completed', ''],
      ['island-report.pdf', 'completed', ''],
    ]);
    for (const row of table) {
      expect(Number(row.chunks)).toBeGreaterThanOrEqual(1);
      expect(row.time).toMatch(/^\d+\.\d s$/);
    }
    expect(run.stdout).toMatch(/^2 completed, 0 failed$/m);

    // The table's chunk counts are the api's, and both files really are in the knowledge base.
    const stored = await get().admin.filesOf(get().kb.cli);
    const byName = Object.fromEntries(stored.map((f) => [f.title, f]));
    for (const row of table)
      expect({ file: row.file, status: byName[row.file]?.ingestion_status, chunks: String(byName[row.file]?.chunk_count) }).toEqual({
        file: row.file,
        status: 'completed',
        chunks: row.chunks,
      });

    // Pages come from the polling endpoint when the api reports them; until then the cell says so.
    const pdfLinks = (await get().admin.progress(byName['island-report.pdf'].uuid)).links;
    const pdfRow = table.find((r) => r.file === 'island-report.pdf')!;
    expect(pdfRow.pages).toBe(typeof pdfLinks[0]?.pages === 'number' ? '2' : '–');
  });

  it('shows a progress line per file as it goes', () => {
    const before = run.stdout.slice(0, run.stdout.indexOf('\nfile '));
    for (const name of ['depot-guide.md', 'island-report.pdf']) {
      expect(before).toMatch(new RegExp(`^${name.replace('.', '\\.')} +[█░]{24} +100 %  completed$`, 'm'));
    }
  });

  it('--search names the source file and page of the best match', () => {
    const searchOutput = run.stdout.slice(run.stdout.indexOf('top '));
    expect(searchOutput).toMatch(/^top \d+ in 'cli-e2e' for "the lighthouse keeper counts the puffins every morning":$/m);
    const [first, text] = searchOutput.split('\n').slice(1, 3);
    expect(first).toMatch(/^1\. island-report\.pdf, page 2 {2}\(score -?\d\.\d{3}\)$/);
    expect(text).toContain(PDF_PAGE_TWO_SENTENCE);
  });

  it('a password-protected PDF makes it exit non-zero with the reason in its row; the other file still completes', async () => {
    const locked = await runIngestCli([files.encrypted, files.markdown, '--kb', get().kb.cli], env());
    expect(locked.code).toBe(1);
    const table = parseSummaryTable(locked.stdout);
    expect(table.map((r) => [r.file, r.status])).toEqual([
      ['depot-guide.md', 'completed'],
      ['locked-report.pdf', 'failed'],
    ]);
    const failed = table.find((r) => r.file === 'locked-report.pdf')!;
    expect(failed.error).toMatch(/password/i);
    // Whole, on one line, not cut at the column width.
    expect(failed.error).toMatch(/upload it again$/);
    expect(locked.stdout).toMatch(/^1 completed, 1 failed$/m);
  });

  it('a knowledge base that does not exist fails before any upload, naming the ones there are', async () => {
    const before = (await get().admin.filesOf(get().kb.cli)).length;
    const wrong = await runIngestCli([files.markdown, '--kb', 'no-such-kb'], env());
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(/no knowledge base 'no-such-kb'.*--kb.*cli-e2e/);
    expect((await get().admin.filesOf(get().kb.cli)).length).toBe(before);
  });

  it('a wrong admin key fails with one line naming ADMIN_API_KEY', async () => {
    const refused = await runIngestCli([files.markdown, '--kb', get().kb.cli], { ...env(), ADMIN_API_KEY: 'not-the-key' });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/refused the admin key.*ADMIN_API_KEY/)]);
  });

  it('an unknown option exits 2 with the usage', async () => {
    const misuse = await runIngestCli([files.markdown, '--kb', get().kb.cli, '--serch', 'typo'], env());
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toContain("Unknown option '--serch'");
    expect(misuse.stderr).toContain('usage: npm run ingest');
  });

  it('imports a bucket folder given as gs://…, prints its per-file summary, and a second run finds every object unchanged', async () => {
    const { bucket } = get().e2e.system;
    await putObjects(get().e2e, {
      'cli-import/lighthouse.txt': 'The lighthouse on the point was automated in 1987.',
      'cli-import/notes/ferry.txt': 'The ferry leaves the island at seven and returns at noon.',
      'cli-import/draft.tmp': 'left out by the exclude glob',
    });
    const first = await runIngestCli([`gs://${bucket}/cli-import/`, '--kb', get().kb.cli, '--exclude', '*.tmp'], env());
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`gs://${bucket}/cli-import/: 2 objects, 0 unchanged, 2 queued`);
    expect(parseSummaryTable(first.stdout).map((r) => [r.file, r.status, r.chunks, r.error])).toEqual([
      ['lighthouse.txt', 'completed', '1', ''],
      ['notes/ferry.txt', 'completed', '1', ''],
    ]);
    // The progress row of the import itself, drawn as a file's is.
    expect(first.stdout).toMatch(new RegExp(`^gs://${bucket}/cli-import/ +[█░]{24} +100 %  completed$`, 'm'));
    expect(first.stdout).toMatch(/^2 completed, 0 failed$/m);

    const second = await runIngestCli([`gs://${bucket}/cli-import/`, '--kb', get().kb.cli, '--exclude', '*.tmp'], env());
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`gs://${bucket}/cli-import/: 2 objects, 2 unchanged, 0 queued`);
    expect(parseSummaryTable(second.stdout).map((r) => r.status)).toEqual(['skipped_unchanged', 'skipped_unchanged']);
  });
}
