import { DocxReader } from '@llamaindex/readers/docx';
import { DocumentParseError, type ParsedDocument } from '../parsed-document';

export async function parseDocx(bytes: Buffer): Promise<ParsedDocument> {
  let text: string;
  try {
    const [document] = await new DocxReader().loadDataAsContent(new Uint8Array(bytes));
    text = document?.text ?? '';
  } catch (error) {
    throw new DocumentParseError('corrupt', `the file is not a valid Word document (corrupt or truncated): ${(error as Error).message}`, { cause: error });
  }
  return singlePage('docx', text);
}

export function singlePage(format: ParsedDocument['format'], text: string): ParsedDocument {
  const trimmed = text.trim();
  if (!trimmed) throw new DocumentParseError('no_text', 'no text found: the file contains only whitespace or formatting');
  return { format, pages: [{ text: trimmed, pageNumber: null }], pageCount: 1, pagesSkipped: 0 };
}
