import { bytePieces, sampleOf } from './file-sample';
import { detectFormat } from './detect-format';
import { parseDocument, type ParseInput } from './parse-document';
import { DEFAULT_PARSE_LIMITS, LineLengthGuard, type ParseLimits } from './parse-limits';
import { DocumentParseError, withoutNul, type ParsedPage } from './parsed-document';
import { textEncodingOf } from './text-encoding';

export interface SectionOptions {
  /** About how many characters a section holds (default 1,000,000). */
  sectionChars?: number;
  /** Bounds of the parse (maxLineChars for text; all of them for other formats). */
  limits?: Partial<ParseLimits>;
}

/** Where to end a section of about `limit` characters: a paragraph break, a line break, a space. */
function sectionEnd(text: string, limit: number): number {
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = text.lastIndexOf(separator, limit);
    if (at >= limit / 2) return at + separator.length;
  }
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit; // never between a surrogate pair
}

/**
 * A document's text as it is read, for large files: plain text and Markdown come in sections
 * of about `sectionChars`, cut at paragraph breaks, so only a section and the read buffer are in
 * memory at a time (pageNumber is null). Other formats are parsed whole and their pages given
 * one by one. The same errors as parseDocument, thrown when iteration starts (or at its end for
 * a file of only whitespace).
 */
export async function* readDocumentSections(input: ParseInput, options: SectionOptions = {}): AsyncGenerator<ParsedPage> {
  const sectionChars = options.sectionChars ?? 1_000_000;
  const sample = await sampleOf(input);
  if (sample.size === 0) throw new DocumentParseError('empty', 'the file is empty');
  const format = detectFormat(sample, input.fileName, input.contentType);
  if (format !== 'text' && format !== 'markdown') {
    yield* (await parseDocument(input, options.limits)).pages;
    return;
  }

  // TextDecoder drops the byte-order mark and keeps a character split across reads whole.
  const decoder = new TextDecoder(textEncodingOf(sample.head));
  const lines = new LineLengthGuard(options.limits?.maxLineChars ?? DEFAULT_PARSE_LIMITS.maxLineChars);
  let pending = '';
  let yielded = false;
  for await (const bytes of bytePieces(input, 256 * 1024)) {
    const piece = decoder.decode(bytes, { stream: true });
    lines.read(piece);
    pending += piece;
    while (pending.length >= sectionChars) {
      const end = sectionEnd(pending, sectionChars);
      const text = withoutNul(pending.slice(0, end)).trim();
      pending = pending.slice(end);
      if (text) {
        yielded = true;
        yield { text, pageNumber: null };
      }
    }
  }
  const rest = withoutNul(pending + decoder.decode()).trim();
  if (rest) {
    yielded = true;
    yield { text: rest, pageNumber: null };
  }
  if (!yielded) throw new DocumentParseError('no_text', 'no text found: the file contains only whitespace or formatting');
}
