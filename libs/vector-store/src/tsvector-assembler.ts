/** to_tsvector keeps the first 255 positions of a lexeme (tsvector input would keep 256). */
const MAX_POSITIONS = 255;
/** Past this, to_tsvector clamps positions: such texts are left to the database. */
const MAX_POSITION = 16_383;

/**
 * A span's share of a text's full-text value, as lexeme occurrences: `lexemes[i]` (an id from
 * TsvectorAssembler.idOf) at position `at[i]`, counted from 0 within the span; `words`: the
 * positions the span takes.
 */
export interface SpanLexemes {
  lexemes: readonly number[];
  at: readonly number[];
  words: number;
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
    const stamp = ++this.stamp;
    let slots = 0;
    let occurrences = 0;
    let offset = 1;
    for (let s = 0; s < spans.length; s++) {
      const { lexemes, at, words } = spans[s];
      for (let k = 0; k < lexemes.length; k++) {
        const id = lexemes[k];
        if (occurrences >= this.position.length) {
          this.position = grown(this.position, occurrences);
          this.next = grown(this.next, occurrences);
        }
        this.position[occurrences] = at[k] + offset;
        this.next[occurrences] = -1;
        if (this.seenIn[id] === stamp) {
          const slot = this.slotOf[id];
          this.next[this.last[slot]] = occurrences;
          this.last[slot] = occurrences;
        } else {
          if (slots >= this.slotId.length) {
            this.slotId = grown(this.slotId, slots);
            this.first = grown(this.first, slots);
            this.last = grown(this.last, slots);
          }
          this.seenIn[id] = stamp;
          this.slotOf[id] = slots;
          this.slotId[slots] = id;
          this.first[slots] = occurrences;
          this.last[slots] = occurrences;
          slots++;
        }
        occurrences++;
      }
      offset += words;
    }
    if (offset - 1 > MAX_POSITION) return null;
    let value = '';
    for (let slot = 0; slot < slots; slot++) {
      let occurrence = this.first[slot];
      value += `${slot ? ' ' : ''}${this.texts[this.slotId[slot]]}:${this.position[occurrence]}`;
      for (let kept = 1; kept < MAX_POSITIONS && (occurrence = this.next[occurrence]) !== -1; kept++) value += `,${this.position[occurrence]}`;
    }
    return value;
  }
}

function grown(array: Int32Array, index: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(Math.max(array.length * 2, index + 1));
  bigger.set(array);
  return bigger;
}
