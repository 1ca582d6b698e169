import { detectFormat, readDocumentSections, sampleOf, type DocumentFormat, type ParsedPage, type ParseInput } from '@docingest/document-parsing';
import type { ParseConfig } from '../config';
import { parsePoolSettings, sharedParsePool } from './parse-pool';

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
 * in sections, so a large file is never one string in memory (the line-length limit checked as
 * they are read); every other format is parsed whole, in the parse pool's threads under its time,
 * memory and output limits, and then given page by page. Only the format is told here, from the
 * file's first and last bytes. The answer is a promise the pipeline may race against a timer.
 */
export async function openDocumentPages(input: ParseInput & { size: number }, config: Partial<ParseConfig> = {}, signal?: AbortSignal): Promise<DocumentPages> {
  const settings = parsePoolSettings(config);
  const sample = await sampleOf(input);
  const format = sample.size > 0 ? detectFormat(sample, input.fileName, input.contentType) : 'text';
  if (format === 'text' || format === 'markdown') {
    // readDocumentSections reports an empty or whitespace-only file itself, as parseDocument does.
    return { format, pageCount: 1, pagesSkipped: 0, expectedChars: input.size, pages: readDocumentSections(input, { limits: settings.limits }) };
  }
  // Only what a parse thread needs crosses to it (bytes in memory are copied there).
  const source = input.path !== undefined ? { path: input.path } : { bytes: input.bytes };
  const document = await sharedParsePool(settings).parse({ ...source, fileName: input.fileName, contentType: input.contentType }, signal);
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
