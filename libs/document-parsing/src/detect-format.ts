import { extname } from 'node:path';
import { DocumentParseError, type DocumentFormat } from './parsed-document';

const PDF_MAGIC = Buffer.from('%PDF-');
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

const BY_EXTENSION: Record<string, DocumentFormat> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.csv': 'csv',
  '.json': 'json',
};

const BY_CONTENT_TYPE: Record<string, DocumentFormat> = {
  'text/markdown': 'markdown',
  'text/html': 'html',
  'text/csv': 'csv',
  'application/json': 'json',
};

function looksBinary(head: Buffer): boolean {
  if (head.includes(0)) return true;
  // Invalid UTF-8 in the sample; `stream` keeps a character cut at its end from counting.
  return new TextDecoder('utf-8').decode(head, { stream: true }).includes('\uFFFD');
}

/**
 * What a file is, by its bytes first: a PDF named .txt is a PDF, and a binary file is not text
 * whatever its name says. Text files are told apart by extension, then content type.
 */
export function detectFormat(head: Buffer, fileName: string, contentType?: string): DocumentFormat {
  if (head.subarray(0, 1024).includes(PDF_MAGIC)) return 'pdf';
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) {
    if (head.includes(Buffer.from('word/'))) return 'docx';
    throw new DocumentParseError('unsupported', 'unsupported file type: a ZIP archive that is not a Word (DOCX) document');
  }
  if (looksBinary(head)) {
    throw new DocumentParseError('unsupported', 'unsupported file type: the content is binary and not PDF, DOCX or text');
  }
  const byExtension = BY_EXTENSION[extname(fileName).toLowerCase()];
  if (byExtension) return byExtension;
  const byType = contentType ? BY_CONTENT_TYPE[contentType.split(';')[0].trim().toLowerCase()] : undefined;
  if (byType) return byType;
  if (/^\s*(<!doctype html|<html)/i.test(head.toString('utf8', 0, 256))) return 'html';
  return 'text';
}
