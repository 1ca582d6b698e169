import * as fixtures from './testing';
import { DocumentParseError, parseDocument } from './index';
import { storedZip } from './testing/zip';
import { tempFiles } from './testing/temp-files';

describe('parseDocument: Word (DOCX)', () => {
  const files = tempFiles('parse-docx-');
  afterAll(() => files.remove());
  const parse = (data: Uint8Array, fileName = 'notes.docx') => parseDocument({ path: files.write(data), fileName });

  it('reads the paragraphs of a DOCX, a blank line between them', async () => {
    const parsed = await parse(await fixtures.buildDocx(['Invoices are paid within thirty days.', 'Late fees apply after sixty days.']));
    expect(parsed).toEqual({
      format: 'docx',
      pages: [{ text: 'Invoices are paid within thirty days.\n\nLate fees apply after sixty days.', pageNumber: null }],
      pageCount: 1,
      pagesSkipped: 0,
    });
  });

  it('reads a DOCX by its bytes even when named .bin', async () => {
    expect((await parse(await fixtures.buildDocx(['Misnamed.']), 'upload.bin')).format).toBe('docx');
  });

  it('refuses a truncated DOCX as corrupt, and an empty one as having no text', async () => {
    const docx = await fixtures.buildDocx(['Cut short.']);
    await expect(parse(docx.subarray(0, 800))).rejects.toMatchObject({
      code: 'corrupt',
      message: 'the file is not a valid Word document (corrupt or truncated)',
    });
    await expect(parse(await fixtures.buildDocx([]))).rejects.toMatchObject({ code: 'no_text', message: expect.stringMatching(/^no text found/) });
  });

  it('refuses a ZIP that only claims to be a Word document', async () => {
    const fake = storedZip([['word/document.xml', 'not xml at all']]);
    const error = await parse(new Uint8Array(fake)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentParseError);
    expect((error as DocumentParseError).code).toBe('corrupt');
  });
});
