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

export type ParseErrorCode = 'encrypted' | 'corrupt' | 'unsupported' | 'empty' | 'no_text';

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
