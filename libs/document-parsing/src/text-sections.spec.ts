import { statSync } from 'node:fs';
import * as fixtures from './testing';
import { parseDocument, readDocumentSections, type ParsedPage } from './index';
import { tempFiles } from './testing/temp-files';

async function collect(iterable: AsyncIterable<ParsedPage>): Promise<ParsedPage[]> {
  const out: ParsedPage[] = [];
  for await (const page of iterable) out.push(page);
  return out;
}

describe('readDocumentSections', () => {
  const files = tempFiles('sections-');
  afterAll(() => files.remove());

  it('reads a large text file in sections cut at paragraph breaks, losing nothing', async () => {
    const path = `${files.dir}/big.txt`;
    const bytes = await fixtures.writeProseFile(path, 600_000, 3);
    expect(statSync(path).size).toBe(bytes);
    const sections = await collect(readDocumentSections({ path, fileName: 'big.txt' }, { sectionChars: 100_000 }));
    expect(sections.length).toBeGreaterThanOrEqual(6);
    for (const section of sections) {
      expect(section.pageNumber).toBeNull();
      expect(section.text.length).toBeLessThanOrEqual(100_000);
      expect(section.text).toMatch(/^Note \d+: [\s\S]*[.!?”]$/); // whole paragraphs only
    }
    const whole = (await parseDocument({ path, fileName: 'big.txt' })).pages[0].text;
    expect(sections.map((s) => s.text).join('\n\n')).toBe(whole);
  });

  it('keeps multi-byte characters whole across read boundaries, and drops the byte-order mark', async () => {
    const text = `\uFEFF${'Grüße, Køge — 東京 😀. '.repeat(40_000)}`;
    const path = files.write(text);
    const sections = await collect(readDocumentSections({ path, fileName: 'x.md' }, { sectionChars: 50_000 }));
    expect(sections.map((s) => s.text).join(' ')).toBe(text.slice(1).trim());
    expect(sections.some((s) => s.text.includes('\uFFFD'))).toBe(false);
  });

  it('reads bytes in memory as it reads the same bytes from a file, whatever the format', async () => {
    const documents: Array<[string, Uint8Array]> = [
      ['big.txt', Buffer.from(`\uFEFF${'Grüße, Køge — 東京 😀.\n\n'.repeat(30_000)}`)],
      ['notes.csv', Buffer.from('name,role\nAda,keeper\nBo,"pilot, north"\n')],
      ['page.html', Buffer.from('<html><body><h1>Title</h1><p>Harbour <b>pumps</b>.</p></body></html>')],
      ['manual.pdf', await fixtures.buildPdf([['One.'], null, ['Three.']])],
      ['memo.docx', await fixtures.buildDocx(['First paragraph.', 'Second one.'])],
    ];
    for (const [fileName, bytes] of documents) {
      const path = files.write(bytes);
      const fromFile = await collect(readDocumentSections({ path, fileName }, { sectionChars: 100_000 }));
      const fromMemory = await collect(readDocumentSections({ bytes, fileName }, { sectionChars: 100_000 }));
      expect(fromMemory).toEqual(fromFile);
      expect(fromMemory.map((p) => p.text).join('')).not.toBe('');
      expect(await parseDocument({ bytes, fileName })).toEqual(await parseDocument({ path, fileName }));
      expect(bytes.byteLength).toBeGreaterThan(0); // still the caller's: not detached by pdf.js
    }
  });

  it('gives the pages of other formats, and the same errors as parseDocument', async () => {
    const pdf = files.write(await fixtures.buildPdf([['One.'], null, ['Three.']]));
    expect(await collect(readDocumentSections({ path: pdf, fileName: 'x.pdf' }))).toEqual([
      { text: 'One.', pageNumber: 1 },
      { text: 'Three.', pageNumber: 3 },
    ]);
    await expect(collect(readDocumentSections({ path: files.write(''), fileName: 'x.txt' }))).rejects.toMatchObject({ code: 'empty' });
    await expect(collect(readDocumentSections({ path: files.write(' \n '), fileName: 'x.txt' }))).rejects.toMatchObject({ code: 'no_text' });
    await expect(collect(readDocumentSections({ path: files.write(fixtures.buildRandomBinary()), fileName: 'x.txt' }))).rejects.toMatchObject({
      code: 'unsupported',
    });
  });
});
