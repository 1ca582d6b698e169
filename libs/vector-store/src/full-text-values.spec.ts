import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { TEXT_SEARCH_LANGUAGES } from '@docingest/contracts';
import { startLocalPostgres } from '@docingest/local-postgres';
import { FullTextValues, KEPT_SPAN_CHARS } from './full-text-values';

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
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  return Array.from({ length: count }, () => Array.from({ length: Math.floor(next() * 80) }, () => pieces[Math.floor(next() * pieces.length)]).join(''));
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

describe('FullTextValues', () => {
  let server: Awaited<ReturnType<typeof startLocalPostgres>>;
  let pool: Pool;

  beforeAll(async () => {
    server = await startLocalPostgres({});
    pool = new Pool({ connectionString: server.url, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

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
      // (Texts with `<`, TypeScript's generics among them, are computed whole: see the last test.)
      expect(fullText.stats.spans).toBeGreaterThan(10_000);
      expect(fullText.stats.computed).toBeLessThan(fullText.stats.spans / 2);
      expect(fullText.stats.wholes).toBe(texts.filter((text) => text.includes('<')).length);
    }
  });

  it('reads every span of texts seen before from its cache, with the same values; only spans too long to keep are computed again', async () => {
    const fullText = new FullTextValues(pool);
    const texts = repositoryTexts()
      .slice(0, 40)
      .filter((text) => !text.includes('<'));
    const first = await fullText.values('english', texts);
    const { computed } = fullText.stats;
    // A text's first span is kept under a key with a marker and the white space before it.
    const long = new Set(
      texts.flatMap((text) => {
        const leading = /^[ \t\n\v\f\r]*/.exec(text)?.[0] ?? '';
        const spans = text.split(/[ \t\n\v\f\r]+/).filter(Boolean);
        return spans.map((span, i) => (i === 0 ? `^${leading}${span}` : span)).filter((key) => key.length > KEPT_SPAN_CHARS);
      }),
    );
    expect(await fullText.values('english', texts)).toEqual(first);
    expect(fullText.stats.computed - computed).toBeLessThanOrEqual(long.size);
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
    const texts = ['words this writer has not seen', 'more of them, unseen', '<b>a tag</b> last'];
    const values = await fullText.values('english', texts);
    expect(await differences('english', texts, values)).toEqual([]);
    expect(fullText.stats.wholes).toBe(1);
  });

  it('computes a text with a tag whole (a tag may hold white space), exactly', async () => {
    const fullText = new FullTextValues(pool);
    const texts = ['<a href="https://example.com/x y">the link</a> and <!-- a comment with words --> after', 'a < b but c > d'];
    const values = await fullText.values('english', texts);
    expect(await differences('english', texts, values)).toEqual([]);
    expect(fullText.stats).toMatchObject({ spans: 0, wholes: 2 });
    expect(values[0]).toContain("'link'");
  });
});
