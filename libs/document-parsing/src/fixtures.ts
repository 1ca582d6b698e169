import { Document as DocxDocument, Packer, Paragraph } from 'docx';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';

/**
 * Builders of test documents, made in code so no binary fixture is committed. Tests of the
 * parser, the ingestion service and the benchmark all use them.
 */

function wrap(line: string, width: number): string[] {
  const words = line.split(/\s+/);
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    if ((current + ' ' + word).trim().length > width) {
      if (current) lines.push(current);
      current = word;
    } else current = `${current} ${word}`.trim();
  }
  if (current) lines.push(current);
  return lines;
}

/** A PDF with one page per entry; each entry's strings are written as paragraphs. */
export async function buildPdf(pages: string[][]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const paragraphs of pages) {
    let page = pdf.addPage([595, 842]);
    let y = 800;
    for (const paragraph of paragraphs) {
      for (const line of wrap(paragraph, 90)) {
        if (y < 40) {
          page = pdf.addPage([595, 842]);
          y = 800;
        }
        page.drawText(line, { x: 40, y, size: 10, font });
        y -= 14;
      }
      y -= 8;
    }
  }
  return pdf.save();
}

/** A PDF whose pages carry only drawings, as a scan would: no extractable text. */
export async function buildImageOnlyPdf(pageCount = 2): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  for (let i = 0; i < pageCount; i++) {
    const page = pdf.addPage([595, 842]);
    page.drawRectangle({ x: 50, y: 50 + i * 10, width: 400, height: 600, color: rgb(0.8, 0.8, 0.8) });
  }
  return pdf.save();
}

/** A PDF with text pages and image-only pages mixed: the blank ones are skipped, not fatal. */
export async function buildMixedPdf(pages: Array<string[] | null>): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const paragraphs of pages) {
    const page = pdf.addPage([595, 842]);
    if (!paragraphs) {
      page.drawRectangle({ x: 50, y: 50, width: 400, height: 600, color: rgb(0.7, 0.7, 0.7) });
      continue;
    }
    paragraphs.forEach((text, i) => page.drawText(text, { x: 40, y: 800 - i * 14, size: 10, font }));
  }
  return pdf.save();
}

/**
 * A PDF locked with a user password (standard security handler, RC4 40-bit). pdf-lib cannot
 * encrypt, so the file is written by hand; the /O and /U entries are arbitrary, so no empty
 * password opens it and pdf.js asks for one.
 */
export function buildEncryptedPdf(): Uint8Array {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
    '<< /Length 8 >>\nstream\n\x8a\x13\x77\x01\xfe\x42\x99\x10\nendstream',
    `<< /Filter /Standard /V 1 /R 2 /O <${'a1'.repeat(32)}> /U <${'b2'.repeat(32)}> /P -44 >>`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 5 0 R /ID [<${'0f'.repeat(16)}> <${'0f'.repeat(16)}>] >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(body, 'latin1'));
}

/** A Word document with one paragraph per string. */
export async function buildDocx(paragraphs: string[]): Promise<Uint8Array> {
  const doc = new DocxDocument({ sections: [{ children: paragraphs.map((text) => new Paragraph(text)) }] });
  return new Uint8Array(await Packer.toBuffer(doc));
}
