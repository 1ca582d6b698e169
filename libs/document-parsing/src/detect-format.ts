import { extname } from 'node:path';
import type { FileSample } from './file-sample';
import { DocumentParseError, type DocumentFormat } from './parsed-document';
import { classifyText } from './text-encoding';

const PDF_MAGIC = Buffer.from('%PDF-');
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const DOCX_PART = Buffer.from('word/document.xml');
/** Office puts a password-protected document in an OLE container with this stream. */
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage', 'utf16le');

const BY_EXTENSION: Record<string, DocumentFormat> = {
  '.txt': 'text',
  '.text': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.json': 'json',
};

const BY_CONTENT_TYPE: Record<string, DocumentFormat> = {
  'text/plain': 'text',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/csv': 'csv',
  'text/tab-separated-values': 'csv',
  'application/json': 'json',
};

const has = (sample: FileSample, bytes: Buffer) => sample.head.includes(bytes) || sample.tail.includes(bytes);

function unsupportedBinary(sample: FileSample): never {
  if (sample.head.subarray(0, 8).equals(OLE_MAGIC)) {
    if (has(sample, ENCRYPTED_PACKAGE)) {
      throw new DocumentParseError('encrypted', 'the Office document is password-protected; remove the password and upload it again');
    }
    throw new DocumentParseError('unsupported', 'unsupported file type: an old binary Office file (.doc, .xls or .ppt); save it as DOCX or PDF and upload it again');
  }
  if (sample.head.subarray(0, 4).equals(ZIP_MAGIC)) {
    throw new DocumentParseError('unsupported', 'unsupported file type: a ZIP archive that is not a Word (DOCX) document');
  }
  throw new DocumentParseError('unsupported', 'unsupported file type: the content is binary and not PDF, DOCX, or text');
}

/**
 * What a file is, by its bytes first: a PDF named .txt is a PDF, and a binary file is not text
 * whatever its name says. Text files are told apart by extension, then content type, then a
 * look at the first bytes.
 */
export function detectFormat(sample: FileSample, fileName: string, contentType?: string): DocumentFormat {
  // pdf.js accepts junk before the header, as readers do; so look a little beyond byte 0.
  if (sample.head.subarray(0, 1024).includes(PDF_MAGIC)) return 'pdf';
  // A ZIP names its files in each entry's header and again in the directory at its end.
  if (sample.head.subarray(0, 4).equals(ZIP_MAGIC) && has(sample, DOCX_PART)) return 'docx';

  const verdict = classifyText(sample.head);
  if (verdict === 'binary') unsupportedBinary(sample);
  if (verdict === 'legacy-text') {
    throw new DocumentParseError(
      'unsupported',
      'unsupported text encoding: the file is not UTF-8 (probably Windows-1252 or Latin-1); save it as UTF-8 and upload it again',
    );
  }

  const byExtension = BY_EXTENSION[extname(fileName).toLowerCase()];
  if (byExtension) return byExtension;
  const byType = contentType ? BY_CONTENT_TYPE[contentType.split(';')[0].trim().toLowerCase()] : undefined;
  if (byType) return byType;
  if (/^\s*(<!doctype html|<html)/i.test(sample.head.toString('utf8', 0, 512).replace(/^\uFEFF/, ''))) return 'html';
  return 'text';
}
