/**
 * The sentences LlamaIndex's sentence tokenizer (`splitBySentenceTokenizer` in
 * `@llamaindex/core/node-parser`, from the `natural` package) cuts a text into, found in time
 * linear in the text. The original hides abbreviations, URIs and numbers behind `{{KIND_n}}`
 * placeholders, then sentence delimiters too, splits on one regular expression alternating every
 * delimiter placeholder of the text and restores each sentence by looping over every placeholder
 * of the text: time with the square of the sentences (and for a large text a RegExp too large to
 * build, when it returns the whole text as one sentence). Here the same patterns run in the same
 * order, but what they hide is masked in place, character for character, with a character none
 * of the later patterns takes (not a word character, a space, a delimiter or a URI character, as
 * the placeholders' braces are not), so delimiters are found at the offsets of the text itself
 * and a sentence is a slice of it: nothing to restore. The equivalence test compares both on the
 * bench corpus. Where they can differ, by design: a text that itself contains `{{DELIM_n}}`-like
 * placeholders, or a URI holding `$&`-like patterns, which the original's restore rewrites.
 */

/** `abbreviations.english` and `.spanish` of `@llamaindex/core/node-parser`, in its order (order decides overlapping matches). */
const ABBREVIATIONS = [
  'i.e.',
  'etc.',
  'vs.',
  'Inc.',
  'A.S.A.P.',
  'Mr.',
  'Mrs.',
  'Ms.',
  'Dr.',
  'Prof.',
  'Sr.',
  'Jr.',
  'Tel.',
  'a.m.',
  'p.m.',
  'Art.',
  'Sr.',
  'Sres.',
  'Srs.',
  'Sra.',
  'Sras.',
  'Srta.',
  'Srtas.',
  'Dr.',
  'Drs.',
  'Dra.',
  'Dras.',
  'Prof.',
  'Profs.',
  'Profa.',
  'Profas.',
  'Ing.',
  'Lic.',
  'Arq.',
  'Ab.',
  'Abs.',
];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const URI_PATTERN = /(https?:\/\/\S+|www\.\S+|ftp:\/\/\S+|(mailto:)?[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}|file:\/\/\S+)/gi;
const NUMBER_PATTERN = /\b\d{1,3}(?:,\d{3})*(?:\.\d+)?\b/g;
const DELIMITER_PATTERN = /([.?!… ]*)([.?!…])(["'”’)}\]]?)/g;
/** Every URI pattern needs one of these: without any, the URI pass is skipped. */
const URI_HINT = /@|:\/\/|www\./i;
/** A run of digits, commas and points holding a decimal point: only there can a number hide a delimiter. */
const DECIMAL_RUN = /[\d,.]*\d\.\d[\d,.]*/g;
const MASK = '\u0001';

const masked = (match: string) => MASK.repeat(match.length);

export class SentenceBoundaries {
  private readonly abbreviationPattern: RegExp;

  constructor(extraAbbreviations: string[] = []) {
    this.abbreviationPattern = new RegExp(`(${[...ABBREVIATIONS, ...extraAbbreviations].map(escapeRegExp).join('|')})`, 'gi');
  }

  /** The text's sentences, each with the delimiter that ends it; leading whitespace stays on the next sentence. */
  split(text: string): string[] {
    let hidden = text.replace(this.abbreviationPattern, masked);
    if (URI_HINT.test(hidden)) hidden = hidden.replace(URI_PATTERN, masked);
    hidden = maskDecimalPoints(hidden);
    const sentences: string[] = [];
    let start = 0;
    DELIMITER_PATTERN.lastIndex = 0;
    for (let match = DELIMITER_PATTERN.exec(hidden); match; match = DELIMITER_PATTERN.exec(hidden)) {
      const end = match.index + match[0].length;
      sentences.push(text.slice(start, end));
      start = end;
    }
    sentences.push(text.slice(start));
    return trimEmptyEnds(sentences);
  }
}

/**
 * The original's number pass, where it matters: the decimal points of the numbers it would hide.
 * Numbers are made of digits, commas and points only and need a word boundary to start, so the
 * pass gives the same numbers started at each such run as it does over the whole text.
 */
function maskDecimalPoints(text: string): string {
  let out: string[] | null = null;
  let copied = 0;
  DECIMAL_RUN.lastIndex = 0;
  for (let run = DECIMAL_RUN.exec(text); run; run = DECIMAL_RUN.exec(text)) {
    const runEnd = run.index + run[0].length;
    NUMBER_PATTERN.lastIndex = run.index;
    for (let number = NUMBER_PATTERN.exec(text); number && number.index < runEnd; number = NUMBER_PATTERN.exec(text)) {
      if (!number[0].includes('.')) continue;
      out ??= [];
      out.push(text.slice(copied, number.index), number[0].replace(/\./g, MASK));
      copied = number.index + number[0].length;
    }
  }
  if (!out) return text;
  out.push(text.slice(copied));
  return out.join('');
}

/** The tokenizer drops empty sentences at the start and the end only. */
function trimEmptyEnds(sentences: string[]): string[] {
  let first = 0;
  let last = sentences.length;
  while (last > 0 && sentences[last - 1] === '') last--;
  while (first < last && sentences[first] === '') first++;
  return first === 0 && last === sentences.length ? sentences : sentences.slice(first, last);
}
