import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fixtures from '@docingest/document-parsing/fixtures';
import { DocumentParseError, parseDocument } from './index';

describe('parseDocument', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parse-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const file = (data: Uint8Array | string, fileName: string, contentType?: string) => {
    const path = join(dir, `f${n++}`);
    writeFileSync(path, data);
    return parseDocument({ path, fileName, contentType });
  };
  const failure = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      expect(error).toBeInstanceOf(DocumentParseError);
      return error as DocumentParseError;
    }
    throw new Error('expected a DocumentParseError');
  };

  it('reads a PDF page by page, keeping page numbers', async () => {
    const parsed = await file(await fixtures.buildPdf([['Alpha page one.'], ['Bravo page two.', 'Second paragraph.']]), 'a.pdf');
    expect(parsed).toMatchObject({ format: 'pdf', pageCount: 2, pagesSkipped: 0 });
    expect(parsed.pages.map((p) => p.pageNumber)).toEqual([1, 2]);
    expect(parsed.pages[1].text).toContain('Bravo page two.');
  });

  it('skips and counts image-only pages in an otherwise readable PDF', async () => {
    const parsed = await file(await fixtures.buildMixedPdf([['Intro text.'], null, ['Closing text.']]), 'scan-mix.pdf');
    expect(parsed).toMatchObject({ pageCount: 3, pagesSkipped: 1 });
    expect(parsed.pages.map((p) => p.pageNumber)).toEqual([1, 3]);
  });

  it('detects a PDF by its bytes whatever its name', async () => {
    const parsed = await file(await fixtures.buildPdf([['Named as text.']]), 'notes.txt', 'text/plain');
    expect(parsed.format).toBe('pdf');
  });

  it.each([
    ['an encrypted PDF', () => fixtures.buildEncryptedPdf(), 'encrypted', /password-protected/],
    ['a corrupt PDF', () => Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage with no xref'), 'corrupt', /not a valid PDF/],
    ['an image-only PDF', () => fixtures.buildImageOnlyPdf(3), 'no_text', /all 3 pages are images/],
    ['random bytes', () => randomBytes(2048), 'unsupported', /binary/],
    ['a zip that is not DOCX', () => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60, 1)]), 'unsupported', /ZIP archive/],
    ['an empty file', () => Buffer.alloc(0), 'empty', /empty/],
    ['a file of whitespace', () => Buffer.from('  \n\n\t '), 'no_text', /no text/],
  ])('refuses %s with a clear message', async (_name, build, code, message) => {
    const error = await failure(file(await build(), 'input.pdf'));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('reads a DOCX', async () => {
    const parsed = await file(await fixtures.buildDocx(['First paragraph.', 'Second paragraph.']), 'x.docx');
    expect(parsed.format).toBe('docx');
    expect(parsed.pages[0].text).toMatch(/First paragraph\.\s+Second paragraph\./);
  });

  it('reads a truncated DOCX as corrupt', async () => {
    const docx = await fixtures.buildDocx(['Cut short.']);
    const error = await failure(file(docx.subarray(0, 800), 'x.docx'));
    expect(error.code).toBe('corrupt');
  });

  it('turns HTML into readable text without scripts or styles', async () => {
    const parsed = await file(
      '<!doctype html><html><head><style>p{}</style><script>alert(1)</script></head><body><h1>Title</h1><p>Fish &amp; chips&nbsp;today &#8212; &lt;fresh&gt;.</p></body></html>',
      'page.html',
    );
    expect(parsed.format).toBe('html');
    expect(parsed.pages[0].text).toBe('Title\n\nFish & chips today — <fresh>.');
  });

  it('reads CSV rows as header: value lines and JSON as path: value lines', async () => {
    const csv = await file('\uFEFFcity,population\nOslo,709000\nBergen,291000\n', 'cities.csv');
    expect(csv.pages[0].text).toBe('city: Oslo; population: 709000\ncity: Bergen; population: 291000');
    const json = await file('{"name":"pump","specs":{"rpm":1450,"tags":["a","b"]}}', 'x.json');
    expect(json.pages[0].text).toBe('name: pump\nspecs.rpm: 1450\nspecs.tags.0: a\nspecs.tags.1: b');
    expect((await failure(file('{"broken": ', 'x.json'))).code).toBe('corrupt');
  });

  it('reads Markdown and plain text as they are, without a BOM', async () => {
    expect(await file('\uFEFF# Title\n\nBody.', 'readme.md')).toMatchObject({ format: 'markdown', pages: [{ text: '# Title\n\nBody.', pageNumber: null }] });
    expect((await file('héllo wörld', 'a.txt')).pages[0].text).toBe('héllo wörld');
  });
});
