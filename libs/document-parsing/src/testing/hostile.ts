import { constants, createDeflate, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { crc32 } from './crc32';
import { pdfOf } from '../formats/pdf-objects';
import { storedZip, zipOf, type ZipEntry } from './zip';

/**
 * The hostile corpus: small files made to stall, crash or flood a parser. The parser's unit
 * tests, the ingestion service's tests and the fault suite build them with these, at the sizes
 * each needs.
 */

/**
 * `head`, `times` copies of `piece`, then `tail`, deflated (raw for ZIP, zlib-wrapped for PDF)
 * without ever holding the inflated bytes; with the CRC-32 a ZIP entry declares.
 */
async function deflateRepeated(
  head: Buffer,
  piece: Buffer,
  times: number,
  tail: Buffer,
  format: 'raw' | 'zlib',
): Promise<{ compressed: Buffer; crc: number; size: number }> {
  const deflate = format === 'raw' ? createDeflateRaw({ level: constants.Z_BEST_COMPRESSION }) : createDeflate({ level: constants.Z_BEST_COMPRESSION });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const done = once(deflate, 'end');
  let crc = crc32(head);
  deflate.write(head);
  for (let i = 0; i < times; i++) {
    if (format === 'raw') crc = crc32(piece, crc);
    if (!deflate.write(piece)) await once(deflate, 'drain');
  }
  crc = crc32(tail, crc);
  deflate.end(tail);
  await done;
  return { compressed: Buffer.concat(out), crc, size: head.length + piece.length * times + tail.length };
}

const deflated = (name: string, text: string): ZipEntry => {
  const data = Buffer.from(text);
  return { name, data: deflateRawSync(data, { level: 9 }), crc: crc32(data), size: data.length, method: 8 };
};

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
const RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
const DOCUMENT_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Quarterly report</w:t></w:r></w:p>';
const DOCUMENT_TAIL = '</w:body></w:document>';

/**
 * A DOCX whose word/document.xml inflates to `inflatedMiB` MiB of whitespace between two
 * paragraphs (valid XML: mammoth would read it, after inflating all of it). With `lie`, the ZIP's
 * headers declare the part 64 KB large, as a bomb made to pass a size check does.
 */
export async function buildZipBombDocx(inflatedMiB: number, options: { lie?: boolean } = {}): Promise<Buffer> {
  const part = await deflateRepeated(Buffer.from(DOCUMENT_HEAD), Buffer.alloc(1024 * 1024, ' '), inflatedMiB, Buffer.from(DOCUMENT_TAIL), 'raw');
  return zipOf([
    deflated('[Content_Types].xml', CONTENT_TYPES),
    deflated('_rels/.rels', RELS),
    { name: 'word/document.xml', data: part.compressed, crc: part.crc, size: part.size, method: 8, declaredSize: options.lie ? 64 * 1024 : undefined },
  ]);
}

/** A DOCX whose body nests `depth` content controls around one paragraph (stored, not compressed). */
export function buildDeeplyNestedDocx(depth: number): Buffer {
  const body = `${'<w:sdt><w:sdtContent>'.repeat(depth)}<w:p><w:r><w:t>Nested.</w:t></w:r></w:p>${'</w:sdtContent></w:sdt>'.repeat(depth)}`;
  return storedZip([
    ['[Content_Types].xml', CONTENT_TYPES],
    ['_rels/.rels', RELS],
    ['word/document.xml', `${DOCUMENT_HEAD.replace('<w:p><w:r><w:t>Quarterly report</w:t></w:r></w:p>', '')}${body}${DOCUMENT_TAIL}`],
  ]);
}

/** HTML of `count` nested, never closed `<div>`s around a sentence. */
export function buildUnclosedTagsHtml(count: number): string {
  return `<!doctype html><html><body>${'<div class="x">'.repeat(count)}Deep text.</body></html>`;
}

/** HTML with `count` comment openings that are never closed, then text (a regex `<!--[\s\S]*?-->` rescans to the end at each). */
export function buildUnclosedCommentsHtml(count: number): string {
  return `<!doctype html><html><body><p>Before.</p>${'<!-- x '.repeat(count)}<p>After.</p></body></html>`;
}

/** HTML with `count` attribute quotes and no tag end until the last paragraph (a regex `<[^>]*>` rescans to it from each). */
export function buildUnclosedQuotesHtml(count: number): string {
  return `<!doctype html><html><body><p>Before.</p>${'<b title="x '.repeat(count)}<p>After.</p></body></html>`;
}

/** A CSV of `columns` long column names over `rows` rows of one-character cells: each row repeats the whole header. */
export function buildMultiplyingHeaderCsv(columns: number, rows: number): string {
  const header = Array.from({ length: columns }, (_, i) => `measurement_of_the_quarterly_throughput_in_region_${i}`).join(',');
  const row = Array.from({ length: columns }, () => '7').join(',');
  return `${header}\n${`${row}\n`.repeat(rows)}`;
}

/** JSON arrays nested `depth` deep. */
export function buildDeepJson(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

/** JSON whose `values` numbers sit under a path of `depth` long keys, so each value repeats the path. */
export function buildLongPathJson(depth: number, values: number): string {
  const key = (i: number) => `section_${i}_with_a_rather_long_descriptive_name`;
  let inner = `[${Array.from({ length: values }, (_, i) => i % 10).join(',')}]`;
  for (let i = depth - 1; i >= 0; i--) inner = `{"${key(i)}":${inner}}`;
  return inner;
}

const FONT = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';

/** A PDF of `pages` pages that all show one shared line of text: a small file, a very long document. */
export function buildManyPagesPdf(pages: number): Buffer {
  const content = 'BT /F1 12 Tf 72 720 Td (The same line on every page.) Tj ET';
  const first = 5; // objects 1-4: catalog, pages, font, content
  const kids = Array.from({ length: pages }, (_, i) => `${first + i} 0 R`).join(' ');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    FONT,
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  for (let i = 0; i < pages; i++) objects.push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>');
  return pdfOf(objects);
}

/** A one-page PDF whose compressed content stream inflates to `inflatedMiB` MiB of text operators. */
export async function buildHugeContentStreamPdf(inflatedMiB: number): Promise<Buffer> {
  // Each line its own text object at the same place on the page: pdf.js drops text moved off it.
  const line = 'BT /F1 12 Tf 72 700 Td (flood text flood text) Tj ET\n';
  const piece = Buffer.from(line.repeat(Math.floor((1024 * 1024) / line.length)));
  const { compressed } = await deflateRepeated(Buffer.alloc(0), piece, inflatedMiB, Buffer.alloc(0), 'zlib');
  return pdfOf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [5 0 R] /Count 1 >>',
    FONT,
    `<< /Length ${compressed.length} /Filter /FlateDecode >>\nstream\n${compressed.toString('latin1')}\nendstream`,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>',
  ]);
}

/** A text file of `mebibytes` MiB that is one line (words and spaces, no line break). */
export async function writeOneLineText(path: string, mebibytes: number): Promise<void> {
  const piece = Buffer.from('word '.repeat((1024 * 1024) / 5 + 1).slice(0, 1024 * 1024));
  const out = createWriteStream(path);
  for (let i = 0; i < mebibytes; i++) if (!out.write(piece)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}
