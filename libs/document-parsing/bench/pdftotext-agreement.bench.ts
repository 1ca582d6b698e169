/**
 * Word-level agreement of our PDF text with poppler's pdftotext, on PDFs made by LibreOffice
 * (bench/real-producer: two and three columns, hyphenated lines, ligatures, Arabic beside
 * English). "before": pdf.js's items joined as they come (the parser's text until dehyphenation
 * and NFKC); "after": what parseDocument gives now. The reference is pdftotext run now when it is
 * installed (Debian poppler-utils), else its output committed beside each PDF.
 *
 *   node -r @swc-node/register libs/document-parsing/bench/pdftotext-agreement.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from '../src/parse-document';
import { rawPageText, type TextItemLike } from '../src/formats/pdf.parser';
import { pooledAgreement, wordAgreement, type Agreement } from '../src/testing/word-agreement';

const corpus = join(__dirname, 'real-producer');

function reference(pdf: string): { text: string; from: string } {
  try {
    return { text: execFileSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }), from: 'pdftotext now' };
  } catch {
    return { text: readFileSync(pdf.replace(/\.pdf$/, '.pdftotext.txt'), 'utf8'), from: 'committed pdftotext output' };
  }
}

async function rawText(pdf: string): Promise<string> {
  const { getDocumentProxy } = await import('unpdf');
  const document = await getDocumentProxy(new Uint8Array(readFileSync(pdf)), { verbosity: 0 });
  const pages: string[] = [];
  for (let n = 1; n <= document.numPages; n++) pages.push(rawPageText((await (await document.getPage(n)).getTextContent()).items as TextItemLike[]));
  await document.destroy();
  return pages.join('\n');
}

const fixed = (n: number) => n.toFixed(4);

async function main(): Promise<void> {
  const before: Agreement[] = [];
  const after: Agreement[] = [];
  for (const file of readdirSync(corpus)
    .filter((f) => f.endsWith('.pdf'))
    .sort()) {
    const pdf = join(corpus, file);
    const ref = reference(pdf);
    const ours = (await parseDocument({ path: pdf, fileName: file })).pages.map((p) => p.text).join('\n');
    const b = wordAgreement(ref.text, await rawText(pdf));
    const a = wordAgreement(ref.text, ours);
    before.push(b);
    after.push(a);
    console.log(
      `${file.padEnd(30)} ${String(a.referenceWords).padStart(5)} words (${ref.from})  before: recall ${fixed(b.recall)} precision ${fixed(b.precision)}  after: recall ${fixed(a.recall)} precision ${fixed(a.precision)}`,
    );
    if (a.missing.length || a.extra.length) console.log(`${''.padEnd(30)} after, only pdftotext: ${a.missing.join(' ')} | only ours: ${a.extra.join(' ')}`);
  }
  const b = pooledAgreement(before);
  const a = pooledAgreement(after);
  console.log(`${'all'.padEnd(30)} before: recall ${fixed(b.recall)} precision ${fixed(b.precision)}  after: recall ${fixed(a.recall)} precision ${fixed(a.precision)}`);
}

void main();
