import { DocumentParseError, withoutNul, type ParsedDocument, type ParsedPage } from '../parsed-document';
import { DocumentLimitError, formatCount, type ParseLimits, type TextBudget } from '../parse-limits';

/** pdf.js names its exceptions; they tell a locked file from a broken one. */
function openError(error: unknown): DocumentParseError {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'PasswordException') {
    return new DocumentParseError('encrypted', 'the PDF is password-protected; remove the password and upload it again', { cause: error });
  }
  return new DocumentParseError('corrupt', 'the file is not a valid PDF (corrupt or truncated)', { cause: error });
}

export interface TextItemLike {
  str?: string;
  hasEOL?: boolean;
}

/** A page's text as pdf.js lays it out: items in reading order, line ends where it marks them. */
export function rawPageText(items: TextItemLike[]): string {
  let text = '';
  for (const item of items) {
    if (item.str === undefined) continue; // marked-content boundaries, not text
    text += item.str;
    if (item.hasEOL) text += '\n';
  }
  return withoutNul(text)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * A page's text as it reads: a word hyphenated at a line's end joined again ("conva-" + "llis"),
 * as pdftotext does, when the next line goes on in lower case; then NFKC, so ligatures ("ﬁ"),
 * Arabic presentation forms and full-width letters become the letters a search types.
 */
export function readingText(raw: string): string {
  return raw.replace(/(\p{L})[-\u00ad\u2010]\n(?=\p{Ll})/gu, '$1').normalize('NFKC');
}

// unpdf ships pdf.js built for server use (no worker, no canvas); loaded when first needed, as it is large.
const loadPdfJs = () => import('unpdf');

/** Loads pdf.js ahead of the first PDF (a parse thread does as it starts); never fails. */
export function preloadPdfJs(): void {
  loadPdfJs().catch(() => undefined);
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One entry per page with text, numbered from 1. A page without text (a scan) is skipped and
 * counted, as is a page pdf.js cannot read; only a file with no readable text at all fails.
 * Pages are read one at a time and released, so a long PDF does not hold every page at once,
 * and the event loop gets a turn between pages.
 */
export async function parsePdf(bytes: Uint8Array, limits: Pick<ParseLimits, 'maxPages'>, budget: TextBudget): Promise<ParsedDocument> {
  const { getDocumentProxy } = await loadPdfJs();
  let pdf;
  try {
    // verbosity 0: pdf.js would otherwise print recovery warnings on stdout, among the JSON logs.
    pdf = await getDocumentProxy(bytes, { verbosity: 0 });
  } catch (error) {
    throw openError(error);
  }
  try {
    const pageCount = pdf.numPages;
    if (pageCount === 0) throw new DocumentParseError('corrupt', 'the file is not a valid PDF (it has no pages)');
    if (pageCount > limits.maxPages) {
      throw new DocumentLimitError('maxPages', `the PDF has ${formatCount(pageCount)} pages; the limit is ${formatCount(limits.maxPages)} pages`);
    }
    const pages: ParsedPage[] = [];
    let unreadable = 0;
    for (let pageNumber = 1; pageNumber <= pageCount; pageNumber++) {
      try {
        const page = await pdf.getPage(pageNumber);
        const content = await page.getTextContent();
        const text = readingText(rawPageText(content.items as TextItemLike[]));
        page.cleanup();
        if (text) {
          budget.add(text.length);
          pages.push({ text, pageNumber });
        }
      } catch (error) {
        if (error instanceof DocumentLimitError) throw error;
        unreadable++;
      }
      await nextTurn();
    }
    if (pages.length === 0) {
      if (unreadable === pageCount) throw new DocumentParseError('corrupt', 'the file is not a valid PDF (corrupt or truncated): no page could be read');
      const which = pageCount === 1 ? 'the only page is an image' : `all ${pageCount} pages are images`;
      throw new DocumentParseError('no_text', `no text found: ${which} (scanned?); OCR is not supported`);
    }
    return { format: 'pdf', pages, pageCount, pagesSkipped: pageCount - pages.length };
  } finally {
    await pdf.destroy();
  }
}
