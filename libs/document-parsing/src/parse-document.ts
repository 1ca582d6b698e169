import { detectFormat } from './detect-format';
import { readAllBytes, sampleOf, type DocumentSource } from './file-sample';
import { csvToText } from './formats/csv.parser';
import { parseDocx } from './formats/docx.parser';
import { htmlToText } from './formats/html.parser';
import { jsonToText } from './formats/json.parser';
import { parsePdf } from './formats/pdf.parser';
import { DEFAULT_PARSE_LIMITS, LineLengthGuard, TextBudget, type ParseLimits } from './parse-limits';
import { DocumentParseError, singlePageDocument, withoutNul, type ParsedDocument } from './parsed-document';
import { decodeText, textEncodingOf } from './text-encoding';

/** The downloaded object: a local file (`path`) or its bytes in memory (`bytes`). */
export type ParseInput = DocumentSource & {
  /** The original file name; its extension is a hint for text formats, never trusted over the bytes. */
  fileName: string;
  contentType?: string;
};

/**
 * The file's bytes as a plain Uint8Array (pdf.js refuses a Buffer). pdf.js detaches the memory it
 * is given: bytes read from a file are handed over as they are, bytes in memory are copied, since
 * they belong to the caller (and a small Buffer shares its memory with others).
 */
async function readBytes(source: DocumentSource): Promise<Uint8Array> {
  if (source.bytes !== undefined) return new Uint8Array(source.bytes);
  const buffer = await readAllBytes(source);
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
  const sample = await sampleOf(input);
  if (sample.size === 0) throw new DocumentParseError('empty', 'the file is empty');
  const format = detectFormat(sample, input.fileName, input.contentType);
  const budget = new TextBudget(sample.size, limits);
  switch (format) {
    case 'pdf':
      return parsePdf(await readBytes(input), limits, budget);
    case 'docx':
      return parseDocx(await readAllBytes(input), limits, budget);
    case 'csv': {
      const firstLine = decodeText(sample.head).split('\n', 1)[0];
      // UTF-8 is parsed straight from a file; bytes in memory and the rare UTF-16 file are decoded first.
      const source = input.path !== undefined && textEncodingOf(sample.head) === 'utf-8' ? { path: input.path } : { text: decodeText(await readAllBytes(input)) };
      return singlePageDocument('csv', withoutNul(await csvToText(source, firstLine, budget)));
    }
    default: {
      // One string for the whole text, decoded from the buffer in place; see readDocumentSections
      // for reading a large text file in sections instead.
      const text = withoutNul(decodeText(await readAllBytes(input)));
      if (format === 'html') return singlePageDocument('html', htmlToText(text, { limits, inputBytes: sample.size }));
      if (format === 'json') return singlePageDocument('json', jsonToText(text, limits.maxDepth, budget));
      new LineLengthGuard(limits.maxLineChars).read(text);
      return singlePageDocument(format, text);
    }
  }
}
