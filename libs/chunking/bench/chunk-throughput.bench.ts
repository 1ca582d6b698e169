/**
 * Chunking throughput. The default corpus is real text: the Markdown documentation shipped in
 * node_modules (READMEs, changelogs, guides: prose with code, tables and version numbers), read
 * in path order and repeated up to the target size, one page per file. `--prose` uses the
 * seeded prose generator instead; `--one-page` makes the whole corpus a single page.
 *
 *   cd /work/main && node -r @swc-node/register libs/chunking/bench/chunk-throughput.bench.ts [MB] [chunkSize] [overlap] [--prose] [--one-page]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chunkDocument } from '@docingest/chunking';
import { proseParagraphs } from '../src/testing/prose';

function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) markdownFiles(full, out);
    else if (entry.isFile() && entry.name.endsWith('.md') && statSync(full).size > 2048) out.push(full);
  }
  return out;
}

function proseCorpus(targetBytes: number): string[] {
  const pages: string[] = [];
  for (let bytes = 0, seed = 1; bytes < targetBytes; seed++) {
    pages.push(proseParagraphs(100, seed));
    bytes += Buffer.byteLength(pages[pages.length - 1]);
  }
  return pages;
}

function markdownCorpus(targetBytes: number): string[] {
  const files = markdownFiles(join(__dirname, '../../../node_modules'));
  const pages: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < targetBytes; i = (i + 1) % files.length) {
    const text = readFileSync(files[i], 'utf8');
    pages.push(text);
    bytes += Buffer.byteLength(text);
  }
  return pages;
}

const [megabytes = 10, chunkSize = 1000, chunkOverlap = 200] = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('--'))
  .map(Number);
const asOnePage = process.argv.includes('--one-page');
const corpus = process.argv.includes('--prose') ? 'prose' : 'markdown';

const texts = (corpus === 'prose' ? proseCorpus : markdownCorpus)(megabytes * 1024 * 1024);
const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);
const pages = asOnePage ? [{ text: texts.join('\n\n'), pageNumber: null }] : texts.map((text, i) => ({ text, pageNumber: i + 1 }));
texts.length = 0;
const rssBefore = process.memoryUsage().rss;
const started = process.hrtime.bigint();
const chunks = chunkDocument(pages, { chunkSize, chunkOverlap, fileUuid: 'bench', knowledgebaseId: 'bench' });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const mb = bytes / 1024 / 1024;
console.log(
  JSON.stringify({
    corpus,
    megabytes: Number(mb.toFixed(1)),
    pages: pages.length,
    chunkSize,
    chunkOverlap,
    chunks: chunks.length,
    seconds: Number(seconds.toFixed(2)),
    mbPerSecond: Number((mb / seconds).toFixed(2)),
    rssBeforeMb: Math.round(rssBefore / 1048576),
    rssAfterMb: Math.round(process.memoryUsage().rss / 1048576),
  }),
);
