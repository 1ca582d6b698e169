import { DocxReader } from '@llamaindex/readers/docx';
import { DocumentParseError, singlePageDocument, withoutNul, type ParsedDocument } from '../parsed-document';
import { DocumentLimitError, type ParseLimits, type TextBudget } from '../parse-limits';
import { checkZipArchive } from './zip-guard';

/**
 * A Word document's text through mammoth: paragraphs separated by blank lines. mammoth inflates
 * the whole archive in memory, so the archive is checked for a zip bomb first.
 */
export async function parseDocx(bytes: Buffer, limits: ParseLimits, budget: TextBudget): Promise<ParsedDocument> {
  await checkZipArchive(bytes, limits);
  let text: string;
  try {
    const [document] = await new DocxReader().loadDataAsContent(bytes);
    text = document?.text ?? '';
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new DocumentLimitError('maxDepth', 'the Word document nests its content deeper than the parser can follow (it ran out of stack)');
    }
    throw new DocumentParseError('corrupt', 'the file is not a valid Word document (corrupt or truncated)', { cause: error });
  }
  budget.add(text.length);
  if (!text.trim()) throw new DocumentParseError('no_text', 'no text found: the Word document has no text (only images or empty pages?)');
  return singlePageDocument('docx', withoutNul(text).replace(/\n{3,}/g, '\n\n'));
}
