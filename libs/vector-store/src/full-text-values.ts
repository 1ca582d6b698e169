import type { Pool } from 'pg';
import { BoundedCache } from './bounded-cache';
import { packSpan, TsvectorAssembler, type SpanLexemes } from './tsvector-assembler';
import { tsvectorSql, type TextSearchConfig } from './text-search';
import { textSpans } from './text-spans';

/** A word no configuration stops or stems into anything else: it marks where a span starts and ends. */
const SENTINEL = 'zqxjspanmark';
/** Spans longer than this are computed each time, not kept: they are rarely seen twice. */
export const KEPT_SPAN_CHARS = 64;
/** Lexemes interned before everything kept is dropped and started afresh (the interning never forgets). */
const MAX_LEXEMES = 1_000_000;
/** Texts whose unknown spans one statement computes. */
const WAITING_TEXTS = 16;
/** Spans whose values one statement computes. */
const SPANS_PER_STATEMENT = 1_000;

/** What is kept: span values by configuration, and the assembler whose lexeme ids they hold. */
interface Kept {
  assembler: TsvectorAssembler;
  caches: Map<TextSearchConfig, BoundedCache<SpanLexemes>>;
}

export interface FullTextValuesOptions {
  /** Span values kept per configuration (default 200,000: about 30 MB at most, 155 bytes a span measured with a new lexeme each). */
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
 * construct that crosses white space, a tag (`<a href="x y">`, `<!-- ... -->`), is kept inside one
 * span: a text is split only at white space no tag attempt may read (text-spans.ts), and a text
 * naming `<script` or `<style`, after which the parser skips words, is computed whole. Equality with
 * `to_tsvector` is tested on prose, code, the repository's Markdown, hostile markup, URLs and
 * scripts of several languages (full-text-values.spec.ts).
 */
export class FullTextValues {
  private kept: Kept = { assembler: new TsvectorAssembler(), caches: new Map() };
  private readonly maxSpans: number;
  private asked = 0;
  private computed = 0;
  private wholes = 0;

  constructor(
    private readonly pool: Pool,
    options: FullTextValuesOptions = {},
  ) {
    this.maxSpans = options.maxSpans ?? 200_000;
  }

  /** Spans looked up, spans the database computed and texts it computed whole since the start (how well the cache serves), and span values kept now. */
  get stats(): { spans: number; computed: number; wholes: number; kept: number } {
    let kept = 0;
    for (const cache of this.kept.caches.values()) kept += cache.size;
    return { spans: this.asked, computed: this.computed, wholes: this.wholes, kept };
  }

  /** The full-text value of each text in `config`, in order, as tsvector text the database would give. */
  async values(config: TextSearchConfig, texts: readonly string[]): Promise<string[]> {
    if (this.kept.assembler.size > MAX_LEXEMES) this.kept = { assembler: new TsvectorAssembler(), caches: new Map() };
    // One generation throughout, whatever another call starts meanwhile: ids only mean something to their assembler.
    const kept = this.kept;
    const cache = cacheOf(kept, config, this.maxSpans);
    const results: Array<string | null> = new Array(texts.length).fill(null);
    // A text whose spans are all kept is put together at once, so its span list dies young (a
    // batch's lists held together were megabytes that outlived the young generation); the others
    // wait for one statement per few texts.
    const waiting: Array<{ index: number; keys: string[]; spans: Array<SpanLexemes | undefined> }> = [];
    const missing = new Set<string>();
    const putTogetherWaiting = async () => {
      const fresh = await this.computeSpans(kept, config, [...missing]);
      for (const text of waiting.splice(0)) results[text.index] = assembleWith(kept.assembler, text.keys, text.spans, fresh);
      missing.clear();
    };
    for (let index = 0; index < texts.length; index++) {
      const keys = spanKeys(texts[index]);
      if (keys === null) continue;
      this.asked += keys.length;
      const spans = new Array<SpanLexemes | undefined>(keys.length);
      let unknown = 0;
      for (let i = 0; i < keys.length; i++) {
        spans[i] = cache.get(keys[i]);
        if (spans[i] === undefined) {
          missing.add(keys[i]);
          unknown++;
        }
      }
      if (unknown === 0) results[index] = kept.assembler.assemble(spans as SpanLexemes[]);
      else waiting.push({ index, keys, spans });
      if (waiting.length === WAITING_TEXTS) await putTogetherWaiting();
    }
    if (waiting.length) await putTogetherWaiting();
    const wholes = results.flatMap((value, i) => (value === null ? [i] : []));
    if (wholes.length) {
      this.wholes += wholes.length;
      const whole = await this.computeWhole(
        config,
        wholes.map((i) => texts[i]),
      );
      wholes.forEach((i, n) => (results[i] = whole[n]));
    }
    return results as string[];
  }

  /**
   * The spans' values, each computed as it stands inside a text: between two sentinels, or for a
   * text's first span as the text starts, with a sentinel after it. A span whose sentinels do not
   * come back as sent has none, and the texts with it are computed whole.
   */
  private async computeSpans(kept: Kept, config: TextSearchConfig, keys: string[]): Promise<Map<string, SpanLexemes | null>> {
    const cache = cacheOf(kept, config, this.maxSpans);
    const values = new Map<string, SpanLexemes | null>();
    for (let start = 0; start < keys.length; start += SPANS_PER_STATEMENT) {
      const slice = keys.slice(start, start + SPANS_PER_STATEMENT);
      const texts = slice.map((key) => (key.startsWith(FIRST_SPAN) ? `${key.slice(1)} ${SENTINEL}` : `${SENTINEL} ${key} ${SENTINEL}`));
      const computed = await this.computeWhole(config, texts);
      this.computed += slice.length;
      slice.forEach((key, i) => {
        const value = spanLexemes(computed[i], !key.startsWith(FIRST_SPAN), kept.assembler);
        values.set(key, value);
        if (value !== null && key.length <= KEPT_SPAN_CHARS) cache.set(key, value);
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

/**
 * A text's spans as cache keys (text-spans.ts), the first with its marker and the white space
 * before it; null for a text computed whole: one textSpans will not split, or one holding the marker.
 */
function spanKeys(text: string): string[] | null {
  const spans = text.includes(FIRST_SPAN) ? null : textSpans(text);
  if (spans === null) return null;
  const leading = text.match(/^[ \t\n\v\f\r]*/)?.[0] ?? '';
  if (spans.length) spans[0] = `${FIRST_SPAN}${leading}${spans[0]}`;
  return spans;
}

/** A text's value once its unknown spans are computed; null if one could not be (the text is then computed whole). */
function assembleWith(
  assembler: TsvectorAssembler,
  keys: readonly string[],
  spans: Array<SpanLexemes | undefined>,
  fresh: ReadonlyMap<string, SpanLexemes | null>,
): string | null {
  const all: SpanLexemes[] = [];
  for (let i = 0; i < keys.length; i++) {
    const span = spans[i] ?? fresh.get(keys[i]);
    if (span === undefined || span === null) return null;
    all.push(span);
  }
  return assembler.assemble(all);
}

function cacheOf(kept: Kept, config: TextSearchConfig, maxSpans: number): BoundedCache<SpanLexemes> {
  let cache = kept.caches.get(config);
  if (!cache) kept.caches.set(config, (cache = new BoundedCache(maxSpans)));
  return cache;
}

/** Reads one span's tsvector text: drops the sentinels' positions and counts the span's own; null if they are not as sent. */
function spanLexemes(tsvector: string, sentinelBefore: boolean, assembler: TsvectorAssembler): SpanLexemes | null {
  const lexemes: number[] = [];
  const at: number[] = [];
  const shift = sentinelBefore ? 2 : 1;
  let sentinel: number[] = [];
  for (const [lexeme, positions] of parseTsvector(tsvector)) {
    if (lexeme === `'${SENTINEL}'`) {
      sentinel = positions;
      continue;
    }
    const id = assembler.idOf(lexeme);
    for (const position of positions) {
      lexemes.push(id);
      at.push(position - shift);
    }
  }
  const last = sentinel[sentinel.length - 1];
  if (last === undefined || (sentinelBefore && sentinel[0] !== 1)) return null;
  // The span's own use of the sentinel word, between the two that were added.
  const id = assembler.idOf(`'${SENTINEL}'`);
  for (const position of sentinel.slice(sentinelBefore ? 1 : 0, -1)) {
    lexemes.push(id);
    at.push(position - shift);
  }
  return packSpan(lexemes, at, last - shift);
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
