import { PDFReader } from '@llamaindex/readers/pdf';
import { DocumentParseError, type ParsedDocument } from '../parsed-document';

/** pdf.js names its exceptions; those say whether a PDF is locked or broken. */
function asParseError(error: unknown): DocumentParseError {
  const name = (error as { name?: string }).name ?? '';
  const message = (error as Error).message ?? String(error);
  if (name === 'PasswordException' || /password/i.test(message)) {
    return new DocumentParseError('encrypted', 'the PDF is password-protected: remove the password and upload it again', { cause: error });
  }
  return new DocumentParseError('corrupt', `the file is not a valid PDF (corrupt or truncated): ${message}`, { cause: error });
}

/** One page per entry, numbered from 1; pages without text (scans) are skipped and counted. */
export async function parsePdf(bytes: Uint8Array): Promise<ParsedDocument> {
  let documents;
  try {
    documents = await new PDFReader().loadDataAsContent(bytes);
  } catch (error) {
    throw asParseError(error);
  }
  const pages = documents
    .map((doc, i) => ({ text: doc.text.replace(/[ \t]+\n/g, '\n').trim(), pageNumber: i + 1 }))
    .filter((page) => page.text.length > 0);
  const pageCount = documents.length;
  if (pageCount === 0) throw new DocumentParseError('corrupt', 'the PDF has no pages');
  if (pages.length === 0) {
    throw new DocumentParseError(
      'no_text',
      `no text found: ${pageCount === 1 ? 'the only page is' : `all ${pageCount} pages are`} images (scanned?); OCR is not supported`,
    );
  }
  return { format: 'pdf', pages, pageCount, pagesSkipped: pageCount - pages.length };
}
