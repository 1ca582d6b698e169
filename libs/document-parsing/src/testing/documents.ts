import { randomBytes } from 'node:crypto';
import type { PDFDocument as PdfLibDocument, PDFFont } from 'pdf-lib';
import { pdfOf } from '../formats/pdf-objects';
import { greyscalePng } from './png';
import { storedZip } from './zip';

/**
 * Builders of test documents, made in code so no binary fixture is committed. The parser's
 * tests, the ingestion service's tests and the benchmark use them. pdf-lib and docx are
 * development packages: they are loaded when a builder runs, never when the library loads.
 */

export interface PdfOptions {
  /** Points; default 10. */
  fontSize?: number;
}

function wrap(line: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of line.split(/\s+/)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}

async function addScannedPage(pdf: PdfLibDocument): Promise<void> {
  const page = pdf.addPage([595, 842]);
  const image = await pdf.embedPng(greyscalePng(120, 170));
  page.drawImage(image, { x: 40, y: 40, width: 515, height: 762 });
}

function addTextPage(pdf: PdfLibDocument, font: PDFFont, paragraphs: string[], fontSize: number): void {
  const lineHeight = fontSize * 1.4;
  const width = Math.floor(900 / fontSize);
  let page = pdf.addPage([595, 842]);
  let y = 800;
  for (const paragraph of paragraphs) {
    for (const line of wrap(paragraph, width)) {
      if (y < 40) {
        page = pdf.addPage([595, 842]); // text that does not fit flows onto a new page
        y = 800;
      }
      page.drawText(line, { x: 40, y, size: fontSize, font });
      y -= lineHeight;
    }
    y -= lineHeight / 2;
  }
}

/**
 * A PDF with one page per entry: an array of paragraphs is written as text (too much text
 * flows onto extra pages), `null` makes a scanned page, an image with no text.
 */
export async function buildPdf(pages: Array<string[] | null>, options: PdfOptions = {}): Promise<Uint8Array> {
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica); // WinAnsi: Latin text only
  for (const paragraphs of pages) {
    if (paragraphs === null) await addScannedPage(pdf);
    else addTextPage(pdf, font, paragraphs, options.fontSize ?? 10);
  }
  return pdf.save();
}

/** A PDF whose pages are all images, as a scan is: no extractable text. */
export async function buildImageOnlyPdf(pageCount = 2): Promise<Uint8Array> {
  return buildPdf(Array.from({ length: pageCount }, () => null));
}

/** A real PDF cut short: its cross-reference table and most objects are gone. */
export async function buildTruncatedPdf(): Promise<Uint8Array> {
  const whole = await buildPdf([['This document was cut short in transfer.']]);
  return whole.subarray(0, Math.floor(whole.length / 2));
}

/** A PDF header followed by garbage. */
export function buildGarbagePdf(): Uint8Array {
  return new Uint8Array(Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage with no cross-reference table\n'));
}

/**
 * A PDF locked with a user password (standard security handler, RC4 40-bit). pdf-lib cannot
 * encrypt, so the file is written by hand; its /O and /U entries match no password, the empty
 * one included, so pdf.js asks for one (PasswordException) as it would for a real locked file.
 */
export function buildEncryptedPdf(): Uint8Array {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
    '<< /Length 8 >>\nstream\n\x8a\x13\x77\x01\xfe\x42\x99\x10\nendstream',
    `<< /Filter /Standard /V 1 /R 2 /O <${'a1'.repeat(32)}> /U <${'b2'.repeat(32)}> /P -44 >>`,
  ];
  return new Uint8Array(pdfOf(objects, ` /Encrypt 5 0 R /ID [<${'0f'.repeat(16)}> <${'0f'.repeat(16)}>]`));
}

/** A Word document with one paragraph per string. */
export async function buildDocx(paragraphs: string[]): Promise<Uint8Array> {
  const { Document, Packer, Paragraph } = await import('docx');
  const doc = new Document({ sections: [{ children: paragraphs.map((text) => new Paragraph(text)) }] });
  return new Uint8Array(await Packer.toBuffer(doc));
}

/**
 * An old binary Office file (OLE container): only its signature and, for a password-protected
 * document, the name of the stream Office keeps the encrypted package in. Enough for detection.
 */
export function buildOleFile(options: { encrypted?: boolean } = {}): Uint8Array {
  const file = Buffer.alloc(4096, 0);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(file, 0);
  Buffer.from(options.encrypted ? 'EncryptedPackage' : 'WordDocument', 'utf16le').copy(file, 1024);
  return new Uint8Array(file);
}

/** A ZIP that is not a Word document (as an .xlsx is). */
export function buildNonDocxZip(): Uint8Array {
  return new Uint8Array(
    storedZip([
      ['[Content_Types].xml', '<Types/>'],
      ['xl/workbook.xml', '<workbook/>'],
    ]),
  );
}

/** Random bytes: a binary file of no known format. */
export function buildRandomBinary(size = 4096): Uint8Array {
  return new Uint8Array(randomBytes(size));
}
