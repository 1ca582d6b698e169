import { extname, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { preloadPdfJs } from './formats/pdf.parser';
import { parseDocument, type ParseInput } from './parse-document';
import { DocumentLimitError, type LimitName, type ParseLimits } from './parse-limits';
import { DocumentParseError, type ParseErrorCode, type ParsedDocument } from './parsed-document';

/**
 * The entry of a parse thread (a piscina worker): parses one document and answers with its
 * pages, or with the error as plain data (a class does not cross threads, so the caller builds
 * it again with rebuildParseError).
 */
export interface ParseTask {
  input: ParseInput;
  limits: ParseLimits;
}

export type ParseReply =
  { document: ParsedDocument } | { error: { code: ParseErrorCode; message: string; limit?: LimitName } } | { failure: { name: string; message: string } };

/** This module's own file, which a thread loads: the compiled .js in a build, the .ts from sources. */
export const PARSE_WORKER_FILE = join(__dirname, `parse-worker${extname(__filename)}`);

// A parse thread loads pdf.js (large) as it starts, in the background, rather than when its first
// PDF comes: the service keeps one thread started (ParsePool), so a PDF never waits for it.
if (!isMainThread) preloadPdfJs();

export default async function parseTask(task: ParseTask): Promise<ParseReply> {
  try {
    return { document: await parseDocument(task.input, task.limits) };
  } catch (error) {
    if (error instanceof DocumentLimitError) return { error: { code: error.code, message: error.message, limit: error.limit } };
    if (error instanceof DocumentParseError) return { error: { code: error.code, message: error.message } };
    // A parser that recursed on a structure deeper than any limit caught: said as what it is.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      return { error: { code: 'limit_exceeded', limit: 'maxDepth', message: 'the document nests its content deeper than the parser can follow (it ran out of stack)' } };
    }
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    return { failure: { name, message } };
  }
}

/** The parse error a thread answered with, as the class it was. */
export function rebuildParseError(error: { code: ParseErrorCode; message: string; limit?: LimitName }): DocumentParseError {
  return error.limit ? new DocumentLimitError(error.limit, error.message) : new DocumentParseError(error.code, error.message);
}
