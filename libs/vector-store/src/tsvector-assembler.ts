/** to_tsvector keeps the first 255 positions of a lexeme (tsvector input would keep 256). */
const MAX_POSITIONS = 255;
/** Past this, to_tsvector clamps positions: such texts are left to the database. */
const MAX_POSITION = 16_383;

/**
 * A span's share of a text's full-text value, packed small because a cache holds hundreds of
 * thousands: a single word (one lexeme at the span's first position) is its lexeme id; a word
 * that yields no lexeme (a stop word) is ONE_WORD_NO_LEXEME, a span of punctuation alone
 * NO_WORD; anything else `[words, id, at, id, at, ...]`, each lexeme id (TsvectorAssembler.idOf)
 * with its position counted from 0 within the span. Unpacked, a span took about 590 bytes.
 */
export type SpanLexemes = number | readonly number[];
const ONE_WORD_NO_LEXEME = -1;
const NO_WORD = -2;

/** Packs a span's lexeme occurrences (ids and positions from 0) and the positions it takes. */
export function packSpan(lexemes: readonly number[], at: readonly number[], words: number): SpanLexemes {
  if (lexemes.length === 0 && words === 1) return ONE_WORD_NO_LEXEME;
  if (lexemes.length === 0 && words === 0) return NO_WORD;
  if (lexemes.length === 1 && at[0] === 0 && words === 1) return lexemes[0];
  const packed = [words];
  for (let k = 0; k < lexemes.length; k++) packed.push(lexemes[k], at[k]);
  return packed;
}

/**
 * Puts a text's tsvector text together from its spans' lexeme occurrences, in the order the
 * spans come, each span's positions shifted by the words before it. Lexemes are interned as
 * numbers, and the per-text grouping lives in arrays kept between calls, so a 4 KB chunk (some 600
 * occurrences) allocates little beyond its result: the garbage of a Map and an array per lexeme
 * was most of the time.
 */
export class TsvectorAssembler {
  private readonly ids = new Map<string, number>();
  /** Each id's lexeme, quoted as tsvector text gives it. */
  private readonly texts: string[] = [];
  /** Per lexeme id: the text it was last seen in, and its slot there. */
  private seenIn: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private slotOf: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Per slot (a lexeme of the current text): its id, first and last occurrence. */
  private slotId: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private first: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private last: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Per occurrence: its position and the next occurrence of the same lexeme (-1: none). */
  private position: Int32Array<ArrayBuffer> = new Int32Array(4096);
  private next: Int32Array<ArrayBuffer> = new Int32Array(4096);
  private stamp = 0;
  /** Slots and occurrences of the text being put together. */
  private slots = 0;
  private occurrences = 0;

  /** Lexemes interned so far. */
  get size(): number {
    return this.texts.length;
  }

  idOf(lexeme: string): number {
    let id = this.ids.get(lexeme);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(lexeme, id);
      this.texts.push(lexeme);
      if (id >= this.seenIn.length) {
        this.seenIn = grown(this.seenIn, id);
        this.slotOf = grown(this.slotOf, id);
      }
    }
    return id;
  }

  /** The text's tsvector text, or null when its positions run past what to_tsvector keeps exactly. */
  assemble(spans: readonly SpanLexemes[]): string | null {
    if (this.stamp === 0x3fff_ffff) {
      this.seenIn.fill(0);
      this.stamp = 0;
    }
    this.stamp++;
    this.slots = 0;
    this.occurrences = 0;
    let offset = 1;
    for (let s = 0; s < spans.length; s++) {
      const span = spans[s];
      if (typeof span === 'number') {
        if (span >= 0) this.occur(span, offset);
        if (span !== NO_WORD) offset += 1;
        continue;
      }
      for (let k = 1; k < span.length; k += 2) this.occur(span[k], span[k + 1] + offset);
      offset += span[0];
    }
    if (offset - 1 > MAX_POSITION) return null;
    // Parts joined once: a string grown by += is a rope of a node per piece until it is flattened.
    const parts: string[] = [];
    for (let slot = 0; slot < this.slots; slot++) {
      let occurrence = this.first[slot];
      parts.push(`${this.texts[this.slotId[slot]]}:${this.position[occurrence]}`);
      for (let kept = 1; kept < MAX_POSITIONS && (occurrence = this.next[occurrence]) !== -1; kept++) parts.push(`,${this.position[occurrence]}`);
      parts.push(' ');
    }
    parts.pop();
    return parts.join('');
  }

  /** Lexeme `id` at `position` in the text being put together: chained to its earlier occurrences. */
  private occur(id: number, position: number): void {
    const occurrence = this.occurrences++;
    if (occurrence >= this.position.length) {
      this.position = grown(this.position, occurrence);
      this.next = grown(this.next, occurrence);
    }
    this.position[occurrence] = position;
    this.next[occurrence] = -1;
    if (this.seenIn[id] === this.stamp) {
      const slot = this.slotOf[id];
      this.next[this.last[slot]] = occurrence;
      this.last[slot] = occurrence;
      return;
    }
    const slot = this.slots++;
    if (slot >= this.slotId.length) {
      this.slotId = grown(this.slotId, slot);
      this.first = grown(this.first, slot);
      this.last = grown(this.last, slot);
    }
    this.seenIn[id] = this.stamp;
    this.slotOf[id] = slot;
    this.slotId[slot] = id;
    this.first[slot] = occurrence;
    this.last[slot] = occurrence;
  }
}

function grown(array: Int32Array, index: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(Math.max(array.length * 2, index + 1));
  bigger.set(array);
  return bigger;
}
