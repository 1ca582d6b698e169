import * as fixtures from './testing';
import { DocumentLimitError, DocumentParseError, parseDocument, readDocumentSections, type ParseLimits } from './index';
import { tempFiles } from './testing/temp-files';

const { hostile } = fixtures;

describe('hostile documents: every parser keeps to its limits', () => {
  const files = tempFiles('hostile-');
  afterAll(() => files.remove());
  const parse = (data: string | Uint8Array, fileName: string, limits: Partial<ParseLimits> = {}) => parseDocument({ path: files.write(data), fileName }, limits);
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('the document was parsed; it should have been stopped');
      },
      (error: unknown) => error as DocumentLimitError,
    );

  it('refuses a zip-bomb DOCX from its directory, before inflating it, naming the ratio', async () => {
    const bomb = await hostile.buildZipBombDocx(64);
    expect(bomb.length).toBeLessThan(200 * 1024);
    const error = await refusal(parse(bomb, 'report.docx'));
    expect(error).toBeInstanceOf(DocumentLimitError);
    expect(error).toMatchObject({ code: 'limit_exceeded', limit: 'maxZipRatio' });
    expect(error.message).toMatch(
      /^the Word document is a zip bomb: its part word\/document\.xml would inflate from [\d.]+ KB to 64 MB \([\d,]+ times\); the limit is 200 times$/,
    );
  });

  it('refuses a DOCX whose parts together would inflate past the limit, even at an ordinary ratio', async () => {
    const error = await refusal(parse(await hostile.buildZipBombDocx(8), 'big.docx', { maxZipRatio: 100_000, maxUnzippedBytes: 4 * 1024 * 1024 }));
    expect(error).toMatchObject({
      limit: 'maxUnzippedBytes',
      message: expect.stringMatching(/^the Word document would inflate to 8 MB \(3 parts in a [\d.]+ KB file\); the limit is 4 MB$/),
    });
  });

  it('catches a zip bomb whose directory lies about its size while inflating it as a stream', async () => {
    const error = await refusal(parse(await hostile.buildZipBombDocx(16, { lie: true }), 'liar.docx'));
    expect(error).toMatchObject({
      limit: 'maxUnzippedBytes',
      message: 'the Word document is a zip bomb: its part word/document.xml inflates to more than the 64 KB its directory declares',
    });
  });

  it('refuses a DOCX nested 200,000 deep while inflating it, before mammoth would overflow its stack', async () => {
    const error = await refusal(parse(hostile.buildDeeplyNestedDocx(200_000), 'nested.docx'));
    expect(error).toMatchObject({
      limit: 'maxDepth',
      message: 'the Word document nests the elements of its part word/document.xml more than 500 deep; the limit is 500 levels',
    });
    expect((await parse(hostile.buildDeeplyNestedDocx(100), 'fine.docx')).pages[0].text).toBe('Nested.');
  });

  it('still reads an ordinary DOCX through the zip checks', async () => {
    const parsed = await parse(await fixtures.buildDocx(['First paragraph.', 'Second paragraph.']), 'ok.docx');
    expect(parsed.pages[0].text).toBe('First paragraph.\n\nSecond paragraph.');
  });

  it('reads HTML with 200,000 unclosed comments or quotes in one pass, and stops 200,000 unclosed tags at the depth limit', async () => {
    // An unclosed comment runs to the end of the file, as in a browser: no text after it.
    expect((await parse(hostile.buildUnclosedCommentsHtml(200_000), 'c.html')).pages[0].text).toBe('Before.');
    // The quotes pair up inside one long tag, which ends at the next '>'; what follows is read.
    expect((await parse(hostile.buildUnclosedQuotesHtml(200_000), 'q.html')).pages[0].text).toBe('Before.\n\nAfter.');
    const error = await refusal(parse(hostile.buildUnclosedTagsHtml(200_000), 'tags.html'));
    expect(error).toMatchObject({ limit: 'maxDepth', message: 'the HTML nests elements more than 500 deep (unclosed tags?); the limit is 500 levels' });
    // Within the limit the same markup reads.
    expect((await parse(hostile.buildUnclosedTagsHtml(400), 'ok.html')).pages[0].text).toBe('Deep text.');
  });

  it('stops a CSV whose header multiplies with the rows at the output budget', async () => {
    const csv = hostile.buildMultiplyingHeaderCsv(200, 2_000);
    const error = await refusal(parse(csv, 'wide.csv'));
    expect(error).toMatchObject({ limit: 'outputRatio' });
    expect(error.message).toMatch(
      /^the document would expand to more than 20 times its size in text \(a [\d.]+ KB file had given [\d,]+ characters when parsing stopped\); the limit is 20 times the file's size$/,
    );
    // The same table, fewer rows: under the floor every small file gets, it reads.
    expect((await parse(hostile.buildMultiplyingHeaderCsv(3, 2), 'small.csv')).pages[0].text).toMatch(/^measurement_of_the_quarterly_throughput_in_region_0: 7; /);
  });

  it('refuses deeply nested JSON before parsing it, with a message and not a stack overflow', async () => {
    const error = await refusal(parse(hostile.buildDeepJson(1_000_000), 'deep.json'));
    expect(error).toMatchObject({ limit: 'maxDepth', message: 'the JSON nests arrays and objects more than 500 deep; the limit is 500 levels' });
    expect((await parse(hostile.buildDeepJson(400), 'ok.json')).pages[0].text).toBe(`${'0.'.repeat(400).slice(0, -1)}: 1`);
  });

  it('stops JSON whose long key path repeats over many values at the output budget', async () => {
    const error = await refusal(parse(hostile.buildLongPathJson(40, 200_000), 'paths.json'));
    expect(error).toMatchObject({ limit: 'outputRatio' });
  });

  it('stops text past the absolute cap whatever the ratio allows', async () => {
    const error = await refusal(parse(hostile.buildMultiplyingHeaderCsv(50, 200), 'cap.csv', { maxTextChars: 100_000 }));
    expect(error).toMatchObject({
      limit: 'maxTextChars',
      message: expect.stringMatching(
        /^the document would expand to more than 100,000 characters of text \(parsing stopped at [\d,]+\); the limit is 100,000 characters$/,
      ),
    });
  });

  it('refuses a PDF with more pages than the limit, from its page count', async () => {
    const error = await refusal(parse(hostile.buildManyPagesPdf(3_000), 'long.pdf', { maxPages: 2_000 }));
    expect(error).toMatchObject({ limit: 'maxPages', message: 'the PDF has 3,000 pages; the limit is 2,000 pages' });
    expect((await parse(hostile.buildManyPagesPdf(3), 'short.pdf')).pages.map((p) => p.text)).toEqual(Array(3).fill('The same line on every page.'));
  });

  it('stops a PDF whose one content stream floods text at the output budget', async () => {
    const pdf = await hostile.buildHugeContentStreamPdf(8);
    expect(pdf.length).toBeLessThan(1024 * 1024);
    const error = await refusal(parse(pdf, 'flood.pdf'));
    expect(error).toMatchObject({ limit: 'outputRatio' });
  });

  it('stops a text file that is one long line, read whole or in sections', async () => {
    const path = `${files.dir}/one-line.txt`;
    await hostile.writeOneLineText(path, 3);
    const limits = { maxLineChars: 1_000_000 };
    await expect(parseDocument({ path, fileName: 'one-line.txt' }, limits)).rejects.toMatchObject({
      limit: 'maxLineChars',
      message: expect.stringMatching(/^the text has a line of at least [\d,]+ characters without a line break; the limit is 1,000,000 characters per line$/),
    });
    const sections = async () => {
      for await (const section of readDocumentSections({ path, fileName: 'one-line.txt' }, { limits })) void section;
    };
    await expect(sections()).rejects.toMatchObject({ limit: 'maxLineChars' });
    // Line breaks every so often: the same size reads.
    expect((await parse(`${'word '.repeat(100)}\n`.repeat(1000), 'lines.txt')).pages[0].text.length).toBeGreaterThan(400_000);
  });

  it('is a DocumentParseError to every caller that knows only that', async () => {
    expect(await refusal(parse(hostile.buildDeepJson(10_000), 'deep.json'))).toBeInstanceOf(DocumentParseError);
  });
});
