import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEXT_SEARCH_LANGUAGES } from '@docingest/contracts';
import { useLocalPostgres } from '@docingest/local-postgres/testing';
import { FullTextValues, KEPT_SPAN_CHARS } from './full-text-values';
import { textSpans } from './text-spans';

const REPO = join(__dirname, '../../..');

/** The repository's own prose, markup and code, in chunk-sized pieces: text as people write it. */
function repositoryTexts(): string[] {
  const files = [
    join(REPO, 'README.md'),
    ...readdirSync(join(REPO, 'docs')).map((name) => join(REPO, 'docs', name)),
    ...readdirSync(__dirname).map((name) => join(__dirname, name)),
  ].filter((path) => /\.(md|ts)$/.test(path));
  return files.flatMap((path) => {
    const text = readFileSync(path, 'utf8');
    return Array.from({ length: Math.ceil(text.length / 3000) }, (_, i) => text.slice(i * 3000, (i + 1) * 3000));
  });
}

/** A seeded generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** Seeded pieces the parser treats specially (URLs, paths, emails, numbers, hyphens, entities, scripts), strung at random. */
function fuzzTexts(count: number, seed: number): string[] {
  const pieces = [
    ' ',
    ' ',
    '\n',
    '\t',
    '\r\n',
    '\u00a0',
    '-',
    '--',
    '.',
    '...',
    '/',
    '//',
    '@',
    ':',
    '_',
    '~',
    '&',
    'amp;',
    '&#',
    '+',
    '#',
    '%',
    "'",
    '"',
    '!',
    '?',
    ',',
    ';',
    '(',
    ')',
    '=',
    '*',
    '\\',
    '|',
    '>',
    '$',
    'a',
    'the',
    'and',
    'running',
    'http',
    'https',
    'ftp',
    'mailto',
    'www',
    'com',
    'x',
    'e',
    'E',
    '1',
    '2',
    '0x',
    'v1',
    'é',
    'ß',
    'Ω',
    '日本',
    '😀',
    'ing',
    'ed',
    'zqxjspanmark',
  ];
  const next = seeded(seed);
  return Array.from({ length: count }, () => Array.from({ length: Math.floor(next() * 80) }, () => pieces[Math.floor(next() * pieces.length)]).join(''));
}

/**
 * Seeded markup at its most hostile: pieces of tags, attributes with quoted values holding white
 * space, `>` and escaped quotes, unbalanced quotes, comments holding `>` and `--`, unterminated
 * tags and comments, `<!DOCTYPE`, `<?xml`, entities, generics, `<` before white space, digits and
 * punctuation, and characters whose class depends on the locale; strung at random, and as whole
 * tags of random attributes.
 */
function markupTexts(count: number, seed: number): string[] {
  const pieces = [
    ' ',
    ' ',
    ' ',
    '  ',
    '\n',
    '\t',
    '\r\n',
    '<',
    '<',
    '<',
    '<<',
    '>',
    '>',
    '</',
    '<!',
    '<!--',
    '-->',
    '--',
    '-',
    '<?',
    '?>',
    '<?xml',
    '<!DOCTYPE',
    '<!doctype html>',
    '<a',
    '<b>',
    '</b>',
    '<br/>',
    '<br />',
    '<br/',
    '<p class="note">',
    '<img src="x y.png" alt=\'a > b\'>',
    'href=',
    '="',
    "='",
    '"',
    '"',
    "'",
    "'",
    '\\"',
    "\\'",
    '\\',
    '=',
    '/',
    ':',
    '_',
    '.',
    '#',
    '%',
    '~',
    '&',
    '?',
    '!',
    ';',
    ',',
    '(',
    ')',
    '[',
    ']',
    '{',
    '}',
    '|',
    '*',
    '`',
    '@',
    '+',
    '&amp;',
    '&lt;',
    '&#60;',
    '&#x3C;',
    '&nbsp',
    'the',
    'running',
    'word',
    'x',
    'D',
    'd',
    '1',
    '2.5',
    '3e4',
    'v1.2.3',
    'http://example.com/a?b=c&d=e',
    'user@example.com',
    '/usr/local',
    'List<Map<String, Integer>>',
    'Array<string | null>',
    '<T extends Base>',
    'a < b > c',
    'if (a<b && c>d)',
    'é',
    'İ',
    '日本',
    '😀',
    '\u2003',
    '\u00a0',
    '\u0085',
    '\u001c',
    'zqxjspanmark',
  ];
  const next = seeded(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const value = () => Array.from({ length: Math.floor(next() * 6) }, () => pick(['x', ' ', 'y z', '>', '<', '\\"', "\\'", '"', "'", '\\', '-->', '日本', '\n'])).join('');
  const tag = () =>
    `<${pick(['', '/', '!', '?x', '!D', '!--'])}${pick(['a', 'div', 'my-el', 'x:y', '_z', '', '1', ' '])}` +
    Array.from(
      { length: Math.floor(next() * 4) },
      () => `${pick([' ', '\n', '', '  '])}${pick(['href', 'class', 'data-x', 'a'])}${pick(['', '=', '="', "='"])}${value()}${pick(['"', "'", ''])}`,
    ).join('') +
    pick(['>', '/>', ' >', '', '-->', '--', ' ']);
  return Array.from({ length: count }, () => Array.from({ length: Math.floor(next() * 60) }, () => (next() < 0.25 ? tag() : pick(pieces))).join(''));
}

/** Cases at the edges of what the parser and tsvector keep. */
const EDGE_TEXTS = [
  '',
  '   ',
  '\n\n  ~95ms after leading white space',
  '~95ms at the very start, ./path and // .. after',
  'a ~95ms b',
  `${'x'.repeat(2100)} a word past 2047 characters is dropped without a position`,
  Array.from({ length: 300 }, () => 'cat dog').join(' '),
  'the sentinel zqxjspanmark itself, zqxjspanmark twice',
  "don't it's O'Reilly's l'été «guillemets» “quotes”",
  'well-known state-of-the-art e-mail 1-a a-1 12-34 abc123 123abc 3.14 -5 +3e10 1.2.3',
  'http://example.com/a/b?c=d user@example.com /usr/local/bin C:\\Windows\\x.exe',
  'Straße naïve café ÜBER Ωmega 東京 日本語のテキスト 😀 emoji',
];

/** Markup at the edges: tags at a text's start and end, `<` where the sentinels go, each construct unterminated. */
const MARKUP_EDGE_TEXTS = [
  '<',
  '< ',
  ' <',
  '<a',
  '<a ',
  'x <',
  '< x',
  'x<',
  'x < y',
  '<a href="x y">the link</a>',
  'text then <a href="x y',
  "text then <a href='x y",
  'text then <a title="x \\" y" b>after',
  'text then <a title="x \\',
  '<!-- a comment with words --> after',
  '<!-- a comment > with -- dashes --> after',
  'before <!-- never closed',
  "before <!-- closed by the text's last chars -->",
  '<!---> still open --> closed',
  '<!DOCTYPE html> <html lang="en">',
  '<?xml version="1.0" encoding="utf-8"?> <root/>',
  '<br/> <br /> <br/ x> <br/',
  'a < b > c and a<b>c and a <b> c',
  'List<Map<String, Integer>> and Promise<Array<string | null>>',
  '<<a b>> <<<',
  "<a b='it\\'s' c=\"d\">e</a>",
  '&amp; &lt;a b&gt; &#60;a b&#62; &#x3C; & amp;',
  '<a\u2003b c> <a\u00a0b c> <a\u0130 c> <a\u001cb c> <a b\u0085c>',
  '<a\u2003"b c">d <a\u2003=b c>d <a\u2003\'b c\'>d',
  '# Title\n\nSee <https://example.com/x y> and <kbd>Ctrl</kbd> + <kbd>C</kbd>.\n\n<details><summary>More words</summary>\n\nhidden text\n</details>',
  'ends with a tag <a href="x">',
  'ends with <',
  'ends with <a b',
  'zqxjspanmark <a zqxjspanmark="zqxjspanmark"> zqxjspanmark',
];

/** Texts with `<script` or `<style`, after which the parser skips words up to a closing tag: computed whole. */
const IGNORING_TEXTS = ['<script>var hidden = 1;</script> shown', 'a <STYLE type="x"> p { b } </style> c', 'x <scripted y', '<style'];

describe('FullTextValues', () => {
  const { pool } = useLocalPostgres();

  /** Texts whose assembled value is not to_tsvector's, each with both values. */
  async function differences(config: string, texts: string[], values: string[]): Promise<Array<{ text: string; expected: string; got: string }>> {
    const { rows } = await pool.query<{ n: string; expected: string; got: string }>(
      `SELECT n, to_tsvector($1::regconfig, t)::text AS expected, v::tsvector::text AS got
         FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u(t, v, n)`,
      [config, texts, values],
    );
    return rows.filter((row) => row.expected !== row.got).map((row) => ({ text: texts[Number(row.n) - 1], expected: row.expected, got: row.got }));
  }

  it("equals to_tsvector in every configuration on the repository's prose and code, seeded fuzz and edge cases, most of it put together from spans", async () => {
    const texts = [...repositoryTexts(), ...fuzzTexts(600, 20_261_206), ...EDGE_TEXTS];
    for (const config of TEXT_SEARCH_LANGUAGES) {
      const fullText = new FullTextValues(pool);
      const values = await fullText.values(config, texts);
      expect({ config, differences: await differences(config, texts, values) }).toEqual({ config, differences: [] });
      // Put together here, not computed whole: spans repeat, so the database saw far fewer than were read.
      expect(fullText.stats.spans).toBeGreaterThan(10_000);
      expect(fullText.stats.computed).toBeLessThan(fullText.stats.spans / 2);
      // Texts with `<` (TypeScript's generics among them) are put together too, but for those naming `<script` or `<style`.
      expect(fullText.stats.wholes).toBe(texts.filter((text) => /<(script|style)/i.test(text)).length);
    }
  });

  it('reads every span of texts seen before from its cache, with the same values; only spans too long to keep are computed again', async () => {
    const fullText = new FullTextValues(pool);
    const texts = [...repositoryTexts().slice(0, 40), ...markupTexts(200, 20_261_208)].filter((text) => textSpans(text) !== null);
    const first = await fullText.values('english', texts);
    const { computed } = fullText.stats;
    // A text's first span is kept under a key with a marker and the white space before it. A long
    // span met again in a later statement is computed again there, so each of its uses counts.
    const long = texts.flatMap((text) => {
      const leading = /^[ \t\n\v\f\r]*/.exec(text)?.[0] ?? '';
      const spans = textSpans(text) ?? [];
      return spans.map((span, i) => (i === 0 ? `^${leading}${span}` : span)).filter((key) => key.length > KEPT_SPAN_CHARS);
    });
    expect(await fullText.values('english', texts)).toEqual(first);
    expect(fullText.stats.computed - computed).toBeLessThanOrEqual(long.length);
    expect(computed).toBeGreaterThan(100);
  });

  it('stays exact with a cache far smaller than the text, holding no more than it is allowed', async () => {
    const fullText = new FullTextValues(pool, { maxSpans: 50 });
    const texts = repositoryTexts().slice(0, 60);
    const values = await fullText.values('english', texts);
    expect(await differences('english', texts, values)).toEqual([]);
    expect(fullText.stats.kept).toBeLessThanOrEqual(50);
    expect(fullText.stats.kept).toBeGreaterThan(0);
  });

  it('puts together the texts before a last one computed whole, however the batch ends', async () => {
    const fullText = new FullTextValues(pool);
    const texts = ['words this writer has not seen', 'more of them, unseen', '<script>a script</script> last'];
    const values = await fullText.values('english', texts);
    expect(await differences('english', texts, values)).toEqual([]);
    expect(fullText.stats.wholes).toBe(1);
  });

  it('equals to_tsvector in every configuration on seeded hostile markup, tags put together from spans that hold their white space', async () => {
    const texts = [...markupTexts(1_500, 20_261_207), ...MARKUP_EDGE_TEXTS, ...IGNORING_TEXTS];
    for (const config of TEXT_SEARCH_LANGUAGES) {
      const fullText = new FullTextValues(pool);
      const values = await fullText.values(config, texts);
      expect({ config, differences: await differences(config, texts, values) }).toEqual({ config, differences: [] });
      expect(fullText.stats.wholes).toBe(texts.filter((text) => /<(script|style)/i.test(text)).length);
    }
    // Most of it split: a tag's region holds white space only where an attempt may read it.
    const spans = texts.map(textSpans);
    expect(spans.filter((list) => list === null)).toHaveLength(IGNORING_TEXTS.length);
    expect(spans.filter((list) => list !== null && list.length > 1).length).toBeGreaterThan(texts.length * 0.6);
    expect(spans.flat().filter((span) => span !== null && /\s/.test(span)).length).toBeGreaterThan(200);
  });

  it('splits markup only at white space no tag attempt may read, and computes texts naming <script or <style whole', () => {
    expect(textSpans('<a href="https://example.com/x y">the link</a> and <!-- a comment --> after')).toEqual([
      '<a href="https://example.com/x y">the',
      'link</a>',
      'and',
      '<!-- a comment -->',
      'after',
    ]);
    // An attempt that fails at a character splits after it; one the text ends inside runs to the end.
    expect(textSpans('a < b > c, List<Map<String, Integer>>')).toEqual(['a', '<', 'b', '>', 'c,', 'List<Map<String,', 'Integer>>']);
    expect(textSpans('x <a title="y \\" z" w')).toEqual(['x', '<a title="y \\" z" w']);
    expect(textSpans('<b>bold</b> <p class=x>')).toEqual(['<b>bold</b>', '<p class=x>']);
    // A run of white space an attempt reads into is kept whole, even where the attempt fails after it.
    expect(textSpans('<a (b) c <a  (b) c')).toEqual(['<a (b)', 'c', '<a  (b)', 'c']);
    // White space in a locale may keep a tag going (U+2003 in PGlite's C.UTF-8).
    expect(textSpans('<a\u2003b c> d')).toEqual(['<a\u2003b c>', 'd']);
    for (const text of IGNORING_TEXTS) expect(textSpans(text)).toBeNull();
  });

  it('computes a text naming <script or <style whole (the parser skips words up to the closing tag), exactly', async () => {
    const fullText = new FullTextValues(pool);
    const values = await fullText.values('english', IGNORING_TEXTS);
    expect(await differences('english', IGNORING_TEXTS, values)).toEqual([]);
    expect(fullText.stats).toMatchObject({ spans: 0, wholes: IGNORING_TEXTS.length });
    expect(values[0]).not.toContain("'hidden'");
  });
});
