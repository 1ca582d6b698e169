import { open, readFile } from 'node:fs/promises';
import { detectFormat } from './detect-format';
import { parseDocx, singlePage } from './formats/docx.parser';
import { htmlToText } from './formats/html.parser';
import { parsePdf } from './formats/pdf.parser';
import { csvToText, jsonToText } from './formats/structured.parser';
import { DocumentParseError, type ParsedDocument } from './parsed-document';

export interface ParseInput {
  /** Local file (the downloaded object). */
  path: string;
  fileName: string;
  contentType?: string;
}

const HEAD_BYTES = 64 * 1024;

async function readHead(path: string): Promise<{ head: Buffer; size: number }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await handle.read(head, 0, head.length, 0);
    return { head, size };
  } finally {
    await handle.close();
  }
}

/** Text of a file, by what its bytes are: PDF per page, DOCX, HTML, CSV, JSON, Markdown or text. */
export async function parseDocument(input: ParseInput): Promise<ParsedDocument> {
  const { head, size } = await readHead(input.path);
  if (size === 0) throw new DocumentParseError('empty', 'the file is empty');
  const format = detectFormat(head, input.fileName, input.contentType);
  if (format === 'pdf') return parsePdf(new Uint8Array(await readFile(input.path)));
  if (format === 'docx') return parseDocx(await readFile(input.path));

  // One string for the whole text; a BOM is not content.
  const text = (await readFile(input.path, 'utf8')).replace(/^\uFEFF/, '');
  switch (format) {
    case 'html':
      return singlePage('html', htmlToText(text));
    case 'csv':
      return singlePage('csv', csvToText(text));
    case 'json':
      return singlePage('json', jsonToText(text));
    default:
      return singlePage(format, text);
  }
}
