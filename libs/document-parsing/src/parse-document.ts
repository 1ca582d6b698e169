import { readFile } from 'node:fs/promises';
import { detectFormat } from './detect-format';
import { readFileSample } from './file-sample';
import { csvToText } from './formats/csv.parser';
import { parseDocx } from './formats/docx.parser';
import { htmlToText } from './formats/html.parser';
import { jsonToText } from './formats/json.parser';
import { parsePdf } from './formats/pdf.parser';
import { DEFAULT_PARSE_LIMITS, LineLengthGuard, TextBudget, type ParseLimits } from './parse-limits';
import { DocumentParseError, singlePageDocument, withoutNul, type ParsedDocument } from './parsed-document';
import { decodeText, textEncodingOf } from './text-encoding';

export interface ParseInput {
  /** Local file (the downloaded object). */
  path: string;
  /** The original file name; its extension is a hint for text formats, never trusted over the bytes. */
  fileName: string;
  contentType?: string;
}

/** The file's bytes as a Uint8Array view, not a copy (pdf.js refuses a Buffer). */
async function readBytes(path: string): Promise<Uint8Array> {
  const buffer = await readFile(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Text of a file, by what its bytes are: PDF per page, DOCX, HTML, CSV, JSON, Markdown or text.
 * Every parser keeps to `limits` (the defaults where not given) and stops with a
 * DocumentLimitError naming the one a document broke. This runs the parser where it is called:
 * the ingestion service calls it in its parse pool's threads, never on its request thread.
 */
export async function parseDocument(input: ParseInput, limitsGiven: Partial<ParseLimits> = {}): Promise<ParsedDocument> {
  const limits: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...limitsGiven };
  const sample = await readFileSample(input.path);
  if (sample.size === 0) throw new DocumentParseError('empty', 'the file is empty');
  const format = detectFormat(sample, input.fileName, input.contentType);
  const budget = new TextBudget(sample.size, limits);
  switch (format) {
    case 'pdf':
      return parsePdf(await readBytes(input.path), limits, budget);
    case 'docx':
      return parseDocx(await readFile(input.path), limits, budget);
    case 'csv': {
      const firstLine = decodeText(sample.head).split('\n', 1)[0];
      // UTF-8 is parsed straight from the file; the rare UTF-16 file is decoded first.
      const source = textEncodingOf(sample.head) === 'utf-8' ? { path: input.path } : { text: decodeText(await readFile(input.path)) };
      return singlePageDocument('csv', withoutNul(await csvToText(source, firstLine, budget)));
    }
    default: {
      // One string for the whole text, decoded from the buffer in place; see readDocumentSections
      // for reading a large text file in sections instead.
      const text = withoutNul(decodeText(await readFile(input.path)));
      if (format === 'html') return singlePageDocument('html', htmlToText(text, { limits, inputBytes: sample.size }));
      if (format === 'json') return singlePageDocument('json', jsonToText(text, limits.maxDepth, budget));
      new LineLengthGuard(limits.maxLineChars).read(text);
      return singlePageDocument(format, text);
    }
  }
}
