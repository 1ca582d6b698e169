import type { Pool } from 'pg';
import { BoundedCache } from './bounded-cache';
import { tsvectorSql, type TextSearchConfig } from './text-search';

/** A word no configuration stops or stems into anything else: it marks where a span starts and ends. */
const SENTINEL = 'zqxjspanmark';
/** PostgreSQL's parser ends every token at ASCII white space, except inside a tag (see computedWhole). */
const WHITE_SPACE = /[ \t\n\v\f\r]+/;
/**
 * Texts computed whole, in the database: a tag or comment (`<a href="x y">`, `<!-- ... -->`) is the
 * parser's one token that crosses white space; the first span's marker must not occur in a text.
 */
function computedWhole(text: string): boolean {
  return text.includes('<') || text.includes(FIRST_SPAN);
}
/** Spans longer than this are computed each time, not kept: they are rarely seen twice. */
export const KEPT_SPAN_CHARS = 64;
/** to_tsvector keeps the first 255 positions of a lexeme (tsvector input would keep 256). */
const MAX_POSITIONS = 255;
/** Past this, to_tsvector clamps positions: such texts are left to the database. */
const MAX_POSITION = 16_383;
/** Spans whose values one statement computes. */
const SPANS_PER_STATEMENT = 1_000;

/**
 * A span's share of a text's full-text value: its lexemes (quoted as tsvector text gives them),
 * each lexeme's positions counted from 0 within the span, and the positions the span takes.
 */
interface SpanValue {
  lexemes: readonly string[];
  positions: ReadonlyArray<readonly number[]>;
  words: number;
}

export interface FullTextValuesOptions {
  /** Span values kept per configuration (default 200,000, about 40 MB at most). */
  maxSpans?: number;
}

/**
 * Full-text values (`to_tsvector(config, text)`) of chunk texts, put together in this process from
 * the values of their white-space-separated spans, which the database computes once and this keeps.
 *
 * Why: on PGlite `to_tsvector` costs about 1 ms of the database's one core per 4 KB chunk, most of
 * a chunk row's cost when storing; words repeat, so a span's value is asked for once and then read
 * here, and the database only parses the assembled value. Exact by construction: PostgreSQL's default
 * parser starts each token afresh after white space, so a text's value is its spans' values in
 * order, each span's positions shifted by the words before it. A span is computed between two
 * sentinel words, in the same context it has inside a text (the first span of a text, which
 * has no word before it, is computed with what precedes it, as the text starts). The one
 * construct that crosses white space, a tag (`<a href="x y">`, `<!-- ... -->`), is met by computing
 * any text containing `<` whole, in the database. Equality with `to_tsvector` is tested on prose,
 * markup, code, URLs and scripts of several languages (full-text-values.spec.ts).
 */
export class FullTextValues {
  private readonly caches = new Map<TextSearchConfig, BoundedCache<SpanValue>>();
  private readonly maxSpans: number;
  private asked = 0;
  private computed = 0;

  constructor(
    private readonly pool: Pool,
    options: FullTextValuesOptions = {},
  ) {
    this.maxSpans = options.maxSpans ?? 200_000;
  }

  /** Spans looked up and spans the database computed since the start (how well the cache serves), and span values kept now. */
  get stats(): { spans: number; computed: number; kept: number } {
    let kept = 0;
    for (const cache of this.caches.values()) kept += cache.size;
    return { spans: this.asked, computed: this.computed, kept };
  }

  /** The full-text value of each text in `config`, in order, as tsvector text the database would give. */
  async values(config: TextSearchConfig, texts: readonly string[]): Promise<string[]> {
    const cache = this.cacheOf(config);
    const keysOf = texts.map((text) => (computedWhole(text) ? null : spanKeys(text)));
    // Each text's span values as found, a missing one undefined until computed.
    const found = keysOf.map((keys) => {
      if (keys === null) return null;
      this.asked += keys.length;
      const spans = new Array<SpanValue | null | undefined>(keys.length);
      for (let i = 0; i < keys.length; i++) spans[i] = cache.get(keys[i]);
      return spans;
    });
    const missing = new Set<string>();
    found.forEach((spans, t) => spans?.forEach((span, i) => span === undefined && missing.add((keysOf[t] as string[])[i])));
    if (missing.size) {
      const fresh = await this.computeSpans(config, [...missing]);
      found.forEach((spans, t) => spans?.forEach((span, i) => span === undefined && (spans[i] = fresh.get((keysOf[t] as string[])[i]) ?? null)));
    }
    const results = found.map((spans) => (spans === null ? null : assemble(spans)));
    const wholes = results.flatMap((value, i) => (value === null ? [i] : []));
    if (wholes.length) {
      const whole = await this.computeWhole(
        config,
        wholes.map((i) => texts[i]),
      );
      wholes.forEach((i, n) => (results[i] = whole[n]));
    }
    return results as string[];
  }

  private cacheOf(config: TextSearchConfig): BoundedCache<SpanValue> {
    let cache = this.caches.get(config);
    if (!cache) this.caches.set(config, (cache = new BoundedCache(this.maxSpans)));
    return cache;
  }

  /**
   * The spans' values, each computed as it stands inside a text: between two sentinels, or for a
   * text's first span as the text starts, with a sentinel after it. A span whose sentinels do not
   * come back as sent has none, and the texts with it are computed whole.
   */
  private async computeSpans(config: TextSearchConfig, keys: string[]): Promise<Map<string, SpanValue | null>> {
    const cache = this.cacheOf(config);
    const values = new Map<string, SpanValue | null>();
    for (let start = 0; start < keys.length; start += SPANS_PER_STATEMENT) {
      const slice = keys.slice(start, start + SPANS_PER_STATEMENT);
      const texts = slice.map((key) => (key.startsWith(FIRST_SPAN) ? `${key.slice(1)} ${SENTINEL}` : `${SENTINEL} ${key} ${SENTINEL}`));
      const computed = await this.computeWhole(config, texts);
      this.computed += slice.length;
      slice.forEach((key, i) => {
        const value = spanValue(computed[i], !key.startsWith(FIRST_SPAN));
        values.set(key, value);
        if (value && key.length <= KEPT_SPAN_CHARS) cache.set(key, value);
      });
    }
    return values;
  }

  private async computeWhole(config: TextSearchConfig, texts: string[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ value: string }>(
      `SELECT ${tsvectorSql(config, 'u.text')}::text AS value FROM unnest($1::text[]) WITH ORDINALITY AS u(text, n) ORDER BY u.n`,
      [texts],
    );
    return rows.map((row) => row.value);
  }
}

/**
 * Marks the key of a text's first span, which is computed as the text starts (with the white space
 * before it, no sentinel): the parser reads some tokens differently at the very start (`~95ms` is one
 * word there, `95ms` after a space). A control character; a text holding one is computed whole.
 */
const FIRST_SPAN = '\u0001';

/** A text's spans as cache keys: the first with its marker and the white space before it. */
function spanKeys(text: string): string[] {
  const spans = text.split(WHITE_SPACE);
  const leading = text.match(/^[ \t\n\v\f\r]*/)?.[0] ?? '';
  if (spans[spans.length - 1] === '') spans.pop();
  if (spans[0] === '') spans.shift();
  if (spans.length) spans[0] = `${FIRST_SPAN}${leading}${spans[0]}`;
  else if (leading) return [];
  return spans;
}

/** Reads one span's tsvector text: drops the sentinels' positions and counts the span's own; null if they are not as sent. */
function spanValue(tsvector: string, sentinelBefore: boolean): SpanValue | null {
  const lexemes: string[] = [];
  const positions: number[][] = [];
  let sentinel: number[] = [];
  const shift = sentinelBefore ? 2 : 1;
  for (const [lexeme, at] of parseTsvector(tsvector)) {
    if (lexeme === `'${SENTINEL}'`) sentinel = at;
    else {
      lexemes.push(lexeme);
      positions.push(at.map((p) => p - shift));
    }
  }
  const last = sentinel[sentinel.length - 1];
  if (last === undefined || (sentinelBefore && sentinel[0] !== 1)) return null;
  // The span's own use of the sentinel word, between the two that were added.
  const own = sentinel.slice(sentinelBefore ? 1 : 0, -1);
  if (own.length) {
    lexemes.push(`'${SENTINEL}'`);
    positions.push(own.map((p) => p - shift));
  }
  return { lexemes, positions, words: last - shift };
}

/** `'lexeme':1,4 'other':2` (quotes inside doubled, no weights: to_tsvector gives none) into pairs. */
function parseTsvector(text: string): Array<[string, number[]]> {
  const pairs: Array<[string, number[]]> = [];
  const entry = /('(?:[^']|'')*')(?::([0-9,]+))?/g;
  for (let match = entry.exec(text); match; match = entry.exec(text)) {
    pairs.push([match[1], match[2] ? match[2].split(',').map(Number) : []]);
  }
  return pairs;
}

/**
 * A text's value from its spans' in order, positions shifted by the words before each span, or
 * null when a span has none or positions run past what to_tsvector keeps exactly.
 */
function assemble(spans: ReadonlyArray<SpanValue | null | undefined>): string | null {
  const positionsOf = new Map<string, number[]>();
  let offset = 1;
  for (let s = 0; s < spans.length; s++) {
    const span = spans[s];
    if (!span) return null;
    const { lexemes, positions } = span;
    for (let l = 0; l < lexemes.length; l++) {
      let all = positionsOf.get(lexemes[l]);
      if (all === undefined) positionsOf.set(lexemes[l], (all = []));
      const at = positions[l];
      for (let p = 0; p < at.length; p++) all.push(at[p] + offset);
    }
    offset += span.words;
  }
  if (offset - 1 > MAX_POSITION) return null;
  let value = '';
  for (const [lexeme, positions] of positionsOf) {
    value += value ? ` ${lexeme}:${positions[0]}` : `${lexeme}:${positions[0]}`;
    const kept = Math.min(positions.length, MAX_POSITIONS);
    for (let p = 1; p < kept; p++) value += `,${positions[p]}`;
  }
  return value;
}
