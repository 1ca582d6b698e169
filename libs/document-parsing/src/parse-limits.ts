import { DocumentParseError } from './parsed-document';

/**
 * The bounds a parser keeps to, whatever the file says: every document is hostile until parsed.
 * The ingestion service sets them from its configuration; these are its defaults.
 */
export interface ParseLimits {
  /** Extracted text may be at most this many times the file's size (at least TEXT_FLOOR_CHARS). */
  outputRatio: number;
  /** And never more than this many characters, however large the file. */
  maxTextChars: number;
  /** PDF pages. */
  maxPages: number;
  /** Nesting of JSON values and HTML elements. */
  maxDepth: number;
  /** Bytes all entries of a ZIP-based document (DOCX) may inflate to together. */
  maxUnzippedBytes: number;
  /** Uncompressed to compressed size of one ZIP entry. */
  maxZipRatio: number;
  /** Characters of one line of plain text or Markdown. */
  maxLineChars: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  outputRatio: 20,
  maxTextChars: 50_000_000,
  maxPages: 10_000,
  maxDepth: 500,
  maxUnzippedBytes: 500 * 1024 * 1024,
  maxZipRatio: 200,
  maxLineChars: 1_000_000,
};

/** A small file may always give this much text: a 2 KB DOCX can hold 60 KB of repetitive table text. */
export const TEXT_FLOOR_CHARS = 1_000_000;

/** Which bound a document broke: a ParseLimits key, or one the parse pool keeps (time, memory). */
export type LimitName = keyof ParseLimits | 'timeoutMs' | 'memoryMb';

/**
 * A document stopped by one of the limits. The message says in words which limit and the value
 * that broke it; `limit` lets the service add the name of the setting that raises it.
 */
export class DocumentLimitError extends DocumentParseError {
  constructor(
    readonly limit: LimitName,
    message: string,
  ) {
    super('limit_exceeded', message);
    this.name = 'DocumentLimitError';
  }
}

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB": sizes in messages a person reads. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${UNITS[unit]}`;
}

export const formatCount = (n: number) => n.toLocaleString('en-US');

/**
 * How much text a file of `inputBytes` may give. Parsers add what they emit as they go, so a
 * document that would flood the service is stopped at the budget, not after it has been built.
 */
export class TextBudget {
  readonly maxChars: number;
  private used = 0;

  constructor(
    private readonly inputBytes: number,
    private readonly limits: Pick<ParseLimits, 'outputRatio' | 'maxTextChars'>,
  ) {
    this.maxChars = Math.min(limits.maxTextChars, Math.max(TEXT_FLOOR_CHARS, Math.floor(inputBytes * limits.outputRatio)));
  }

  get chars(): number {
    return this.used;
  }

  add(chars: number): void {
    this.used += chars;
    if (this.used > this.maxChars) throw this.exceeded();
  }

  private exceeded(): DocumentLimitError {
    const byRatio = this.maxChars < this.limits.maxTextChars;
    return byRatio
      ? new DocumentLimitError(
          'outputRatio',
          `the document would expand to more than ${this.limits.outputRatio} times its size in text (a ${formatBytes(this.inputBytes)} file had given ${formatCount(this.used)} characters when parsing stopped); the limit is ${this.limits.outputRatio} times the file's size`,
        )
      : new DocumentLimitError(
          'maxTextChars',
          `the document would expand to more than ${formatCount(this.limits.maxTextChars)} characters of text (parsing stopped at ${formatCount(this.used)}); the limit is ${formatCount(this.limits.maxTextChars)} characters`,
        );
  }
}

/**
 * The longest line of plain text, followed across the pieces of a file as they are read. Text
 * with no line break for megabytes is not prose (it is data or an attack on the chunker, which
 * works a sentence at a time), and stops the file.
 */
export class LineLengthGuard {
  private run = 0;

  constructor(private readonly maxLineChars: number) {}

  read(piece: string): void {
    const lastBreak = piece.lastIndexOf('\n');
    if (lastBreak < 0) {
      this.run += piece.length;
    } else {
      // Only the longest stretch in this piece matters; look between breaks without splitting.
      let start = 0;
      let longest = this.run;
      for (let at = piece.indexOf('\n'); at >= 0; at = piece.indexOf('\n', start)) {
        longest = Math.max(longest, (start === 0 ? this.run : 0) + at - start);
        start = at + 1;
      }
      this.run = piece.length - lastBreak - 1;
      if (longest > this.maxLineChars) this.fail(longest);
    }
    if (this.run > this.maxLineChars) this.fail(this.run);
  }

  private fail(atLeast: number): never {
    throw new DocumentLimitError(
      'maxLineChars',
      `the text has a line of at least ${formatCount(atLeast)} characters without a line break; the limit is ${formatCount(this.maxLineChars)} characters per line`,
    );
  }
}
