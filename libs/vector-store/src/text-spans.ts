/**
 * A text's spans: the pieces between ASCII white space at which PostgreSQL's default text-search
 * parser (src/backend/tsearch/wparser_def.c) is sure to start afresh, so that a span is read the
 * same between two sentinel words as inside the text.
 *
 * The parser crosses white space in three ways. Runs of punctuation and blanks (TPS_InSpace) yield
 * no words, so they do not matter. A tag attempt, begun at any `<` (TPS_InTagFirst), may read on
 * through white space: a tag name (TPS_InTagName) then attributes (TPS_InTag), quoted values with
 * backslash escapes (TPS_InTagEscapeK/KK, TPS_InTagBackSleshed), `<!DOCTYPE` and `<?x` (both into
 * TPS_InTag) and comments (TPS_InComment to `-->`); it ends as one tag token at `>` or, failing,
 * falls back to the `<` as punctuation. And a tag named `script` or `style`, even one whose attempt
 * fails, makes the parser skip every word up to a closing tag (SpecialTags sets `ignore`).
 *
 * So white space is split at only outside every region a tag attempt may read, each region found
 * from every `<` (more than the parser attempts: a `<` inside another tag's quotes is not tried),
 * and with every character whose class depends on the locale (non-ASCII, control characters) read
 * as if it kept the attempt going. An attempt that reaches the end of the text runs to the end; it
 * fails there, and it fails between the sentinels too, since only `>` could complete it. A text
 * that may hold `<script` or `<style` is not split at all (null: computed whole), nor is one whose
 * regions would cost more to find than the text is long.
 */
export function textSpans(text: string): string[] | null {
  if (IGNORING_TAG.test(text)) return null;
  const spans: string[] = [];
  let budget = STEPS_PER_CHAR * text.length + 1_024;
  /** The last character some tag attempt may read. */
  let covered = -1;
  let start = -1;
  let inRegion = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isWhite(code)) {
      // A run of white space is split at or kept whole: a region that reads into a run reads all of it.
      if (i === 0 || !isWhite(text.charCodeAt(i - 1))) inRegion = i <= covered;
      if (!inRegion && start >= 0) {
        spans.push(text.slice(start, i));
        start = -1;
      }
      continue;
    }
    if (start < 0) start = i;
    if (code === LESS_THAN && covered < text.length - 1) {
      const reach = attemptReach(text, i);
      budget -= reach - i + 1;
      if (budget < 0) return null;
      if (reach > covered) covered = reach;
    }
  }
  if (start >= 0) spans.push(text.slice(start));
  return spans;
}

/** `<script` and `<style`, the tag names that turn the parser's `ignore` on (SpecialTags). */
const IGNORING_TAG = /<(?:script|style)/i;
/** Characters tag attempts may read, per character of the text, before the text is computed whole. */
const STEPS_PER_CHAR = 16;
const LESS_THAN = 0x3c;

// The tag states of wparser_def.c, as bits: a set of them is what an attempt may be in.
const TAG_FIRST = 1 << 0; // TPS_InTagFirst, after `<`
const CLOSE_FIRST = 1 << 1; // TPS_InTagCloseFirst, after `</`
const XML_BEGIN = 1 << 2; // TPS_InXMLBegin, after `<?`
const COMMENT_FIRST = 1 << 3; // TPS_InCommentFirst, after `<!`
const COMMENT_LAST = 1 << 4; // TPS_InCommentLast, after `<!-`
const TAG_NAME = 1 << 5; // TPS_InTagName
const BEGIN_END = 1 << 6; // TPS_InTagBeginEnd, after `<br/`
const IN_TAG = 1 << 7; // TPS_InTag
const SINGLE = 1 << 8; // TPS_InTagEscapeK, inside '...'
const SINGLE_ESCAPED = 1 << 9; // TPS_InTagBackSleshed from it
const DOUBLE = 1 << 10; // TPS_InTagEscapeKK, inside "..."
const DOUBLE_ESCAPED = 1 << 11; // TPS_InTagBackSleshed from it
const COMMENT = 1 << 12; // TPS_InComment
const CLOSE_COMMENT_FIRST = 1 << 13; // TPS_InCloseCommentFirst
const CLOSE_COMMENT_LAST = 1 << 14; // TPS_InCloseCommentLast

/**
 * The index of the last character a tag attempt begun at `<` (at `at`) may read, as the
 * attempt's state tables have it: `at` itself if it may read nothing more. Reaching `>` in a tag
 * or `-->` after a comment ends it as a tag; any other character a state has no entry for ends it
 * as a failure (the parser pops back to the `<`).
 */
function attemptReach(text: string, at: number): number {
  let states = TAG_FIRST;
  let reach = at;
  for (let i = at + 1; i < text.length && states !== 0; i++) {
    const c = text.charCodeAt(i);
    let next = 0;
    let ends = false;
    if (states & TAG_FIRST) {
      if (c === 0x2f /* / */) next |= CLOSE_FIRST;
      else if (c === 0x21 /* ! */) next |= COMMENT_FIRST;
      else if (c === 0x3f /* ? */) next |= XML_BEGIN;
      else if (isAsciiLetter(c) || c === 0x3a /* : */ || c === 0x5f /* _ */) next |= TAG_NAME;
    }
    if (states & CLOSE_FIRST && isAsciiLetter(c)) next |= TAG_NAME;
    if (states & XML_BEGIN && c === 0x78 /* x */) next |= IN_TAG;
    if (states & COMMENT_FIRST) {
      if (c === 0x2d /* - */) next |= COMMENT_LAST;
      else if (c === 0x44 /* D */ || c === 0x64 /* d */) next |= IN_TAG;
    }
    if (states & COMMENT_LAST && c === 0x2d) next |= COMMENT;
    if (states & TAG_NAME) {
      if (c === 0x2f) next |= BEGIN_END;
      else if (c === 0x3e /* > */) ends = true;
      else if (isWhite(c)) next |= IN_TAG;
      else if (isAsciiLetter(c) || isAsciiDigit(c) || c === 0x3a || c === 0x5f || c === 0x2e /* . */ || c === 0x2d) next |= TAG_NAME;
      else if (isLocaleDependent(c)) next |= TAG_NAME | IN_TAG;
    }
    if (states & BEGIN_END && c === 0x3e) ends = true;
    if (states & IN_TAG) {
      if (c === 0x3e) ends = true;
      else if (c === 0x27 /* ' */) next |= SINGLE;
      else if (c === 0x22 /* " */) next |= DOUBLE;
      else if (isAsciiLetter(c) || isAsciiDigit(c) || isWhite(c) || IN_TAG_PUNCTUATION.includes(c) || isLocaleDependent(c)) next |= IN_TAG;
    }
    if (states & SINGLE) next |= c === 0x5c /* \ */ ? SINGLE_ESCAPED : c === 0x27 ? IN_TAG : SINGLE;
    if (states & SINGLE_ESCAPED) next |= SINGLE;
    if (states & DOUBLE) next |= c === 0x5c ? DOUBLE_ESCAPED : c === 0x22 ? IN_TAG : DOUBLE;
    if (states & DOUBLE_ESCAPED) next |= DOUBLE;
    if (states & COMMENT) next |= c === 0x2d ? CLOSE_COMMENT_FIRST : COMMENT;
    if (states & CLOSE_COMMENT_FIRST) next |= c === 0x2d ? CLOSE_COMMENT_LAST : COMMENT;
    if (states & CLOSE_COMMENT_LAST) {
      if (c === 0x3e) ends = true;
      else next |= c === 0x2d ? CLOSE_COMMENT_LAST : COMMENT;
    }
    if (next !== 0 || ends) reach = i;
    states = next;
  }
  return reach;
}

/** The characters TPS_InTag reads on besides letters, digits and white space: `=-_#/:.&?%~`. */
const IN_TAG_PUNCTUATION = [0x3d, 0x2d, 0x5f, 0x23, 0x2f, 0x3a, 0x2e, 0x26, 0x3f, 0x25, 0x7e];

/** ASCII white space: where the parser's spans end, and what `isspace` is in every locale. */
function isWhite(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isAsciiDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * A character `iswalnum`/`iswspace`/`iswdigit` may or may not count, as the database's locale
 * has it (PGlite's C.UTF-8 counts U+2003 as white space and U+0130 as a letter, glibc counts
 * U+001C-U+001F as white space): read as whatever keeps an attempt going.
 */
function isLocaleDependent(c: number): boolean {
  return c >= 0x7f || (c < 0x20 && !isWhite(c));
}
