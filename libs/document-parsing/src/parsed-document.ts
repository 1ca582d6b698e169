export type DocumentFormat = 'pdf' | 'docx' | 'text' | 'markdown' | 'html' | 'csv' | 'json';

export interface ParsedPage {
  text: string;
  /** 1-based page number for paged formats (PDF); null otherwise. */
  pageNumber: number | null;
}

export interface ParsedDocument {
  format: DocumentFormat;
  /** Pages with text, in order; pages without text are not here but counted in pagesSkipped. */
  pages: ParsedPage[];
  pageCount: number;
  pagesSkipped: number;
}

export type ParseErrorCode = 'encrypted' | 'corrupt' | 'unsupported' | 'empty' | 'no_text' | 'limit_exceeded';

/** A file that cannot be turned into text, with a message that tells a person what to do. */
export class DocumentParseError extends Error {
  constructor(
    readonly code: ParseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DocumentParseError';
  }
}

/** A document without pages (everything but PDF): its text as one page, or no_text. */
export function singlePageDocument(format: DocumentFormat, text: string): ParsedDocument {
  const trimmed = text.trim();
  if (!trimmed) throw new DocumentParseError('no_text', 'no text found: the file contains only whitespace or formatting');
  return { format, pages: [{ text: trimmed, pageNumber: null }], pageCount: 1, pagesSkipped: 0 };
}

/**
 * PostgreSQL text cannot hold U+0000, which PDF and Word extraction sometimes produce for
 * unmapped glyphs; it carries no meaning, so it is dropped before it can fail the insert.
 */
export function withoutNul(text: string): string {
  return text.includes('\0') ? text.replace(/\0/g, '') : text;
}
