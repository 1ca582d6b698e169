import { deflateSync } from 'node:zlib';
import { pdfOf } from './pdf-objects';

const WORDS = (
  'the service reads each page of a report and cuts its text into chunks that keep sentences whole while ' +
  'the embedder turns every chunk into a vector stored beside the text for search by meaning and by words'
).split(' ');

/** Page `page`'s lines: prose that differs from page to page, as a real report's does. */
function pageLines(page: number, lines: number): string[] {
  return Array.from({ length: lines }, (_, line) => {
    const words = Array.from({ length: 12 }, (_, i) => WORDS[(page * 7 + line * 5 + i * 3) % WORDS.length]);
    return `${words.join(' ')}.`;
  });
}

/**
 * A small PDF of `pages` pages of prose in compressed content streams, written here so that a parse
 * thread can read one as it starts (ParsePool.warmUp) without a file shipped beside the code. pdf.js
 * compiles its text path lazily and slowly the first time: a thread's first real PDF took 2-3 times
 * as long as the same file read again (bench/README.md, "The parse thread warmed at start-up").
 */
export function warmUpPdf(pages = 3): Buffer {
  const first = 4; // objects 1-3: catalog, pages, font; then a page and its content per page
  const kids = Array.from({ length: pages }, (_, i) => `${first + i * 2} 0 R`).join(' ');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  ];
  for (let page = 0; page < pages; page++) {
    const text = pageLines(page, 40)
      .map((line) => `(${line}) Tj T*`)
      .join('\n');
    const stream = deflateSync(Buffer.from(`BT /F1 11 Tf 14 TL 56 750 Td\n${text}\nET`, 'latin1')).toString('latin1');
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${first + page * 2 + 1} 0 R >>`);
    objects.push(`<< /Length ${stream.length} /Filter /FlateDecode >>\nstream\n${stream}\nendstream`);
  }
  return pdfOf(objects);
}
