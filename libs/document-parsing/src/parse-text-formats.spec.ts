import { DocumentParseError, parseDocument } from './index';
import { tempFiles } from './testing/temp-files';

describe('parseDocument: text formats', () => {
  const files = tempFiles('parse-text-');
  afterAll(() => files.remove());
  const parse = (data: string | Uint8Array, fileName: string, contentType?: string) => parseDocument({ path: files.write(data), fileName, contentType });
  const textOf = async (data: string | Uint8Array, fileName: string, contentType?: string) => (await parse(data, fileName, contentType)).pages[0].text;

  it('turns HTML into readable text: no scripts or styles, paragraphs kept, entities decoded', async () => {
    const html = `<!doctype html><html><head><title>T</title><style>p{color:red}</style></head><body>
      <script>alert("x")</script><!-- a comment -->
      <h1>Title</h1><p>Fish &amp; chips&nbsp;today &#8212; &lt;fresh&gt; &eacute;t&eacute; &#x1F41F; &unknown;.</p>
      <p>Line one<br>line two</p><ul><li>First</li><li>Second</li></ul>
      <table><tr><th>Name</th><th>Rpm</th></tr><tr><td>Pump</td><td>1450</td></tr></table></body></html>`;
    const parsed = await parse(html, 'page.html');
    expect(parsed.format).toBe('html');
    expect(parsed.pages[0].text).toBe('Title\n\nFish & chips today — <fresh> été 🐟 &unknown;.\n\nLine one\nline two\n\nFirst\nSecond\n\nName Rpm\nPump 1450');
  });

  it('recognises HTML by content type, or by its doctype when the name says nothing', async () => {
    expect((await parse('<p>a &amp; b</p>', 'page', 'text/html; charset=utf-8')).pages[0].text).toBe('a & b');
    expect((await parse('<!DOCTYPE html><p>x</p>', 'download')).format).toBe('html');
    // An explicit .txt is text, even if it holds markup.
    expect(await textOf('<p>kept as written</p>', 'snippet.txt')).toBe('<p>kept as written</p>');
  });

  it('reads CSV rows as "header: value" lines, leaving out empty cells', async () => {
    const csv = '\uFEFFcity,population,notes\nOslo,709000,"capital, largest"\nBergen,291000,\n\n"Trond\nheim",212000,"multi\nline"\n';
    expect(await textOf(csv, 'cities.csv')).toBe(
      'city: Oslo; population: 709000; notes: capital, largest\ncity: Bergen; population: 291000\ncity: Trond heim; population: 212000; notes: multi line',
    );
  });

  it('reads semicolon and tab separated files, and a CSV with only a header', async () => {
    expect(await textOf('name;price\nBolt;0,15\n', 'parts.csv')).toBe('name: Bolt; price: 0,15');
    expect(await textOf('name\tprice\nNut\t0.05\n', 'parts.tsv')).toBe('name: Nut; price: 0.05');
    expect(await textOf('name,price\n', 'empty-table.csv')).toBe('name, price');
  });

  it('refuses a CSV with an unclosed quote as corrupt, naming the problem', async () => {
    const error = await parse('a,b\n1,"never closed\n', 'broken.csv').catch((e: unknown) => e as DocumentParseError);
    expect(error).toBeInstanceOf(DocumentParseError);
    expect(error).toMatchObject({ code: 'corrupt', message: expect.stringMatching(/^the CSV file cannot be read: .*quote/i) });
  });

  it('reads JSON as "path: value" lines and refuses broken JSON as corrupt', async () => {
    const json = '{"name":"pump","specs":{"rpm":1450,"tags":["a","b"],"empty":"","none":[]},"ok":true}';
    expect(await textOf(json, 'x.json')).toBe('name: pump\nspecs.rpm: 1450\nspecs.tags.0: a\nspecs.tags.1: b\nok: true');
    expect(await textOf('"just a string"', 'y.json')).toBe('just a string');
    await expect(parse('{"broken": ', 'x.json')).rejects.toMatchObject({ code: 'corrupt', message: expect.stringMatching(/^the JSON file is not valid JSON/) });
    await expect(parse('{"a": {}, "b": []}', 'z.json')).rejects.toMatchObject({ code: 'no_text' });
  });

  it('keeps Markdown and plain text as they are, without the byte-order mark', async () => {
    expect(await parse('\uFEFF# Title\n\nBody.', 'readme.md')).toEqual({
      format: 'markdown',
      pages: [{ text: '# Title\n\nBody.', pageNumber: null }],
      pageCount: 1,
      pagesSkipped: 0,
    });
    expect(await parse('héllo wörld', 'a.txt')).toMatchObject({ format: 'text', pages: [{ text: 'héllo wörld' }] });
    expect((await parse('# Notes', 'notes', 'text/markdown')).format).toBe('markdown');
  });

  it('decodes UTF-16 text that declares itself with a byte-order mark', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße aus Køge', 'utf16le')]);
    expect(await textOf(le, 'utf16.txt')).toBe('Grüße aus Køge');
    const be = Buffer.from(Buffer.from('\uFEFFa,b\n1,2', 'utf16le')).swap16();
    expect(await textOf(be, 'utf16be.csv')).toBe('a: 1; b: 2');
  });

  it('drops NUL characters, which PostgreSQL text cannot store', async () => {
    const text = `${'x'.repeat(70_000)}\n\0middle\0`; // beyond the sample that decides text or binary
    expect(await textOf(text, 'a.txt')).toBe(`${'x'.repeat(70_000)}\nmiddle`);
  });

  it('refuses an empty file, and a file of only whitespace', async () => {
    await expect(parse('', 'empty.txt')).rejects.toMatchObject({ code: 'empty', message: 'the file is empty' });
    await expect(parse('  \n\n\t ', 'blank.md')).rejects.toMatchObject({ code: 'no_text', message: expect.stringMatching(/^no text found/) });
  });
});
