import { detectFormat, parseDocument, readDocumentSections, readFileSample, type DocumentFormat, type ParsedPage } from '@docingest/document-parsing';

export interface DocumentPages {
  format: DocumentFormat;
  pageCount: number;
  pagesSkipped: number;
  /** Characters of text to come: counted for parsed formats, the file's size for streamed text. */
  expectedChars: number;
  /** The text, page by page (PDF) or section by section (text and Markdown, about 1 MB each). */
  pages: AsyncIterable<ParsedPage>;
}

/**
 * A downloaded file's text, ready to be chunked as it comes. Plain text and Markdown are read
 * in sections, so a large file is never one string in memory; the other formats are parsed
 * whole first (their parsers need the whole file) and then given page by page.
 */
export async function openDocumentPages(input: { path: string; fileName: string; contentType?: string; size: number }): Promise<DocumentPages> {
  const sample = await readFileSample(input.path);
  const format = sample.size > 0 ? detectFormat(sample, input.fileName, input.contentType) : 'text';
  if (format === 'text' || format === 'markdown') {
    // readDocumentSections reports an empty or whitespace-only file itself, as parseDocument does.
    return { format, pageCount: 1, pagesSkipped: 0, expectedChars: input.size, pages: readDocumentSections(input) };
  }
  const document = await parseDocument(input);
  return {
    format: document.format,
    pageCount: document.pageCount,
    pagesSkipped: document.pagesSkipped,
    expectedChars: document.pages.reduce((sum, page) => sum + page.text.length, 0),
    pages: (async function* () {
      // Handed over one by one, so a page chunked is a page the garbage collector may take.
      while (document.pages.length > 0) yield document.pages.shift()!;
    })(),
  };
}
