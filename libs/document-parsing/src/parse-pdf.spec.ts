import { getDocumentProxy } from 'unpdf';
import * as fixtures from './testing';
import { DocumentParseError, parseDocument, warmUpPdf } from './index';
import { tempFiles } from './testing/temp-files';

async function failure(promise: Promise<unknown>): Promise<DocumentParseError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentParseError);
    return error as DocumentParseError;
  }
  throw new Error('expected a DocumentParseError');
}

describe('parseDocument: PDF', () => {
  const files = tempFiles('parse-pdf-');
  afterAll(() => files.remove());
  const parse = (data: Uint8Array, fileName = 'doc.pdf', contentType?: string) => parseDocument({ path: files.write(data), fileName, contentType });

  it('reads the built-in warm-up PDF as prose on every page: what warms a parse thread is the text path real files take', async () => {
    const parsed = await parse(warmUpPdf(3));
    expect(parsed).toMatchObject({ format: 'pdf', pageCount: 3, pagesSkipped: 0 });
    for (const page of parsed.pages) {
      const lines = page.text.split('\n');
      expect(lines).toHaveLength(40);
      for (const line of lines) expect(line).toMatch(/^(\w+ ){11}\w+\.$/);
    }
    expect(new Set(parsed.pages.map((p) => p.text)).size).toBe(3);
  });

  it('reads a PDF page by page, keeping page numbers and the sentences on each page', async () => {
    const parsed = await parse(
      await fixtures.buildPdf([
        ['Alpha page one talks about the pump station.'],
        ['Bravo page two.', 'It has a second paragraph about valves.'],
        ['Charlie page three closes the manual.'],
      ]),
    );
    expect(parsed).toMatchObject({ format: 'pdf', pageCount: 3, pagesSkipped: 0 });
    expect(parsed.pages.map((p) => p.pageNumber)).toEqual([1, 2, 3]);
    expect(parsed.pages[0].text).toBe('Alpha page one talks about the pump station.');
    expect(parsed.pages[1].text).toBe('Bravo page two.\nIt has a second paragraph about valves.');
    expect(parsed.pages[2].text).toContain('Charlie');
  });

  it('skips and counts scanned (image-only) pages, keeping the numbers of the others', async () => {
    const parsed = await parse(await fixtures.buildPdf([['Intro text.'], null, ['Closing text.'], null]));
    expect(parsed).toMatchObject({ pageCount: 4, pagesSkipped: 2 });
    expect(parsed.pages).toEqual([
      { text: 'Intro text.', pageNumber: 1 },
      { text: 'Closing text.', pageNumber: 3 },
    ]);
  });

  it('reads a PDF by its bytes whatever its name and content type say', async () => {
    const parsed = await parse(await fixtures.buildPdf([['Named as text.']]), 'notes.txt', 'text/plain');
    expect(parsed.format).toBe('pdf');
    expect(parsed.pages[0].text).toBe('Named as text.');
  });

  it('refuses a PDF whose every page is an image, saying how many', async () => {
    const error = await failure(parse(await fixtures.buildImageOnlyPdf(3)));
    expect(error.code).toBe('no_text');
    expect(error.message).toBe('no text found: all 3 pages are images (scanned?); OCR is not supported');
    expect((await failure(parse(await fixtures.buildImageOnlyPdf(1)))).message).toMatch(/the only page is an image/);
  });

  it('refuses a password-protected PDF as encrypted (pdf.js PasswordException)', async () => {
    const bytes = fixtures.buildEncryptedPdf();
    // The fixture really is what pdf.js treats as locked, not merely broken.
    await expect(getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 })).rejects.toMatchObject({ name: 'PasswordException' });
    const error = await failure(parse(bytes));
    expect(error.code).toBe('encrypted');
    expect(error.message).toBe('the PDF is password-protected; remove the password and upload it again');
    expect((error.cause as Error).name).toBe('PasswordException');
  });

  it.each([
    ['truncated', () => fixtures.buildTruncatedPdf()],
    ['garbage after the header', async () => fixtures.buildGarbagePdf()],
    ['a header and nothing else', async () => new Uint8Array(Buffer.from('%PDF-1.4\n'))],
  ])('refuses a corrupt PDF (%s) with a clear message', async (_name, build) => {
    const error = await failure(parse(await build()));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/^the file is not a valid PDF \(corrupt or truncated\)/);
    expect((error.cause as Error | undefined)?.name ?? 'none').toMatch(/InvalidPDFException|none/);
  });

  it('prints nothing while recovering a damaged PDF (logs stay JSON)', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await failure(parse(fixtures.buildGarbagePdf()));
      expect([...log.mock.calls, ...warn.mock.calls]).toEqual([]);
    } finally {
      log.mockRestore();
      warn.mockRestore();
    }
  });
});
