import { countTokens } from './token-counter';

/** A piece of a chunk and its cl100k token count, counted when the piece was cut. */
export interface CountedPiece {
  text: string;
  tokens: number;
}

/**
 * Counts of the short texts around seams (a word or two: " The", "recorded.\n\n"), which repeat
 * all through a document; bounded, emptied when full.
 */
const seamCounts = new Map<string, number>();
const SEAM_CACHE_LIMIT = 100_000;
const SEAM_CACHE_MAX_CHARS = 64;

function countSeam(text: string): number {
  if (text.length > SEAM_CACHE_MAX_CHARS) return countTokens(text);
  let count = seamCounts.get(text);
  if (count === undefined) {
    if (seamCounts.size >= SEAM_CACHE_LIMIT) seamCounts.clear();
    count = countTokens(text);
    seamCounts.set(text, count);
  }
  return count;
}

const SPACE = /\s/u;
const isSpace = (text: string, at: number) => SPACE.test(text[at]);

/**
 * A place where cl100k's pre-tokenizer always cuts, whatever surrounds the text: a single space
 * after a non-space and before a non-space. No pre-token pattern runs from a non-space across a
 * space (letters, digits and punctuation stop there; ` ?` only starts a pre-token), and the
 * patterns look ahead one character at most and never behind, so the text's tokens are the
 * tokens of the part before the place followed by those of the part from it.
 */
function firstCut(text: string): number {
  for (let p = text.indexOf(' ', 1); p >= 0 && p + 1 < text.length; p = text.indexOf(' ', p + 1)) {
    if (!isSpace(text, p - 1) && !isSpace(text, p + 1)) return p;
  }
  return -1;
}

function lastCut(text: string): number {
  for (let p = text.lastIndexOf(' ', text.length - 2); p >= 1; p = text.lastIndexOf(' ', p - 1)) {
    if (!isSpace(text, p - 1) && !isSpace(text, p + 1)) return p;
  }
  return -1;
}

/** Whether `previous` + `next` meet at a safe cut (see firstCut): their tokens then just add up. */
function meetAtCut(previous: string, next: string): boolean {
  return previous.length > 0 && next.length > 1 && next.charCodeAt(0) === 32 && !isSpace(previous, previous.length - 1) && !isSpace(next, 1);
}

/**
 * The cl100k tokens of the pieces joined and trimmed (a chunk's text), from the pieces' own
 * counts. Where two pieces meet at a safe cut (a sentence, then " The next") the counts add up;
 * elsewhere (a paragraph break: `.` + `\n\n` is one token, not two) only the text around the seam
 * is tokenized again, from the last safe cut of one piece to the first of the next. Exactly what
 * counting the joined text gives, at a cost of a few words per paragraph.
 */
export function joinedTokenCount(pieces: readonly CountedPiece[]): number {
  let total = 0;
  let start = 0;
  for (let i = 1; i <= pieces.length; i++) {
    if (i < pieces.length && !meetAtCut(pieces[i - 1].text, pieces[i].text)) continue;
    total += segmentTokens(pieces, start, i, start === 0, i === pieces.length);
    start = i;
  }
  return total;
}

/** Tokens of pieces[from..to) joined, trimmed at the start and end when asked. */
function segmentTokens(pieces: readonly CountedPiece[], from: number, to: number, trimStart: boolean, trimEnd: boolean): number {
  const lastIndex = to - 1;
  if (from === lastIndex) {
    const { text, tokens } = pieces[from];
    const trimmed = trimStart ? (trimEnd ? text.trim() : text.trimStart()) : trimEnd ? text.trimEnd() : text;
    if (trimmed.length === text.length) return tokens;
  }
  let total = 0;
  let seam = '';
  for (let i = from; i <= lastIndex; i++) {
    const { text, tokens } = pieces[i];
    const atStart = trimStart && i === from;
    const atEnd = trimEnd && i === lastIndex;
    const first = firstCut(text);
    if (first < 0) {
      seam += atStart ? (atEnd ? text.trim() : text.trimStart()) : atEnd ? text.trimEnd() : text;
      continue;
    }
    // Trimming never reaches past a cut (the characters beside one are not spaces), so the
    // middle's count is the piece's less its untrimmed ends.
    const last = lastCut(text);
    const head = text.slice(0, first);
    const tail = text.slice(last);
    const middle = tokens - countSeam(head) - countSeam(tail);
    total += countSeam(seam + (atStart ? head.trimStart() : head)) + middle;
    seam = atEnd ? tail.trimEnd() : tail;
  }
  return total + countSeam(seam);
}
