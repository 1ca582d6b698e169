import * as fixtures from './testing';
import { DocumentParseError, detectFormat, type FileSample } from './index';
import { storedZip } from './testing/zip';

const sample = (bytes: Uint8Array | string, tail?: Uint8Array): FileSample => {
  const head = Buffer.from(bytes);
  return { size: head.length, head, tail: tail ? Buffer.from(tail) : head };
};

function refusal(bytes: Uint8Array | string, fileName = 'upload.bin'): DocumentParseError {
  try {
    detectFormat(sample(bytes), fileName);
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentParseError);
    return error as DocumentParseError;
  }
  throw new Error('expected a DocumentParseError');
}

describe('detectFormat', () => {
  it('trusts the bytes over the name: PDF and DOCX magic win, binary is never text', () => {
    expect(detectFormat(sample('%PDF-1.7\n...'), 'notes.txt', 'text/plain')).toBe('pdf');
    expect(detectFormat(sample('\n\n%PDF-1.4\n'), 'x')).toBe('pdf'); // junk before the header, as readers allow
    const docx = storedZip([
      ['[Content_Types].xml', '<Types/>'],
      ['word/document.xml', '<w:document/>'],
    ]);
    expect(detectFormat(sample(docx), 'report.pdf')).toBe('docx');
    expect(refusal(fixtures.buildRandomBinary(2048), 'data.txt').code).toBe('unsupported');
  });

  it('finds word/document.xml in the ZIP directory at the end when the entry comes late', () => {
    const zip = storedZip([
      ['word/media/image1.png', new Uint8Array(200_000)],
      ['word/document.xml', '<w:document/>'],
    ]);
    const head = zip.subarray(0, 64 * 1024);
    expect(head.includes(Buffer.from('word/document.xml'))).toBe(false);
    expect(detectFormat({ size: zip.length, head, tail: zip.subarray(zip.length - 64 * 1024) }, 'x.docx')).toBe('docx');
  });

  it.each([
    ['random bytes', () => fixtures.buildRandomBinary(), /^unsupported file type: the content is binary and not PDF, DOCX, or text$/],
    ['a ZIP that is not DOCX', () => fixtures.buildNonDocxZip(), /ZIP archive that is not a Word \(DOCX\) document/],
    ['an old binary Office file', () => fixtures.buildOleFile(), /old binary Office file.*save it as DOCX or PDF/],
    ['Windows-1252 text', () => Buffer.from('Caf\xe9 cr\xe8me br\xfbl\xe9e, 4 \x80\n', 'latin1'), /not UTF-8.*save it as UTF-8/],
  ])('refuses %s as unsupported, saying what to do', (_name, build, message) => {
    const error = refusal(build());
    expect(error.code).toBe('unsupported');
    expect(error.message).toMatch(message);
  });

  it('refuses a password-protected Office document as encrypted', () => {
    const error = refusal(fixtures.buildOleFile({ encrypted: true }), 'locked.docx');
    expect(error).toMatchObject({ code: 'encrypted', message: 'the Office document is password-protected; remove the password and upload it again' });
  });

  it('tells text formats apart by extension, then content type, then a look at the start', () => {
    expect(detectFormat(sample('a,b'), 'T.CSV')).toBe('csv');
    expect(detectFormat(sample('a\tb'), 'x.tsv')).toBe('csv');
    expect(detectFormat(sample('{}'), 'x', 'application/json')).toBe('json');
    expect(detectFormat(sample('# x'), 'x.markdown')).toBe('markdown');
    expect(detectFormat(sample('  <html><body>x'), 'x')).toBe('html');
    expect(detectFormat(sample('plain words'), 'x', 'application/octet-stream')).toBe('text');
    expect(detectFormat(sample('ünïcödé'), 'x.log')).toBe('text');
  });

  it('does not call text binary when the sample ends inside a multi-byte character', () => {
    const text = Buffer.from(`${'a'.repeat(99)}é`); // é is two bytes; cut after the first
    expect(detectFormat(sample(text.subarray(0, 100)), 'x.txt')).toBe('text');
  });
});
