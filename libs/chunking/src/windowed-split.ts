/** What the windowing needs of a splitter: LlamaIndex's SentenceSplitter has this shape. */
export interface TextSplitter {
  splitText(text: string): string[];
}

/** Where a window ending near `limit` should end: a paragraph break, a line break, a sentence end, a space. */
export function windowEnd(text: string, start: number, limit: number): number {
  if (limit >= text.length) return text.length;
  const floor = start + Math.floor((limit - start) / 2);
  for (const separator of ['\n\n', '\n', '. ', '? ', '! ', ' ']) {
    const at = text.lastIndexOf(separator, limit - separator.length);
    if (at >= floor) return at + separator.length;
  }
  // No break at all: cut anywhere, but not between the two halves of a surrogate pair.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

/** Offset in `window` where `piece` (a trimmed substring of it, the last one) starts; -1 if not found. */
function startOfLastPiece(window: string, piece: string): number {
  const exact = window.lastIndexOf(piece);
  if (exact >= 0) return exact;
  // The sub-sentence splitters can drop stray punctuation, so a piece may not be verbatim.
  return window.lastIndexOf(piece.slice(0, 32));
}

/**
 * LlamaIndex's sentence tokenizer takes time proportional to the square of the text it is given
 * (every sentence is restored by looping over every placeholder of the whole text), so a 10 MB
 * page would never finish. The text is therefore given to the splitter in windows of a few
 * chunks. The last chunk of a window may be cut short by the window's end: it is dropped and the
 * next window starts where that chunk started, so chunks and their overlaps come out as one
 * continuous split would give them, at a cost linear in the text. Window sizes follow the length
 * of the chunks seen so far, since characters per token vary widely (prose, code, tables).
 */
export function* splitInWindows(text: string, splitter: TextSplitter, options: { firstWindowChars: number; chunksPerWindow: number }): Generator<string> {
  let start = 0;
  let windowChars = options.firstWindowChars;
  let seenChars = 0;
  let seenPieces = 0;
  while (start < text.length) {
    const end = windowEnd(text, start, start + windowChars);
    const window = text.slice(start, end);
    const pieces = splitter.splitText(window);
    if (end >= text.length) {
      yield* pieces;
      return;
    }
    const resume = pieces.length >= 2 ? startOfLastPiece(window, pieces[pieces.length - 1]) : -1;
    if (resume <= 0) {
      // Fewer than two chunks fit (very sparse text) or the piece was not found: keep all,
      // and the next window starts after this one, without overlap at this one seam.
      yield* pieces;
      start = end;
      windowChars *= 2;
      continue;
    }
    for (let i = 0; i < pieces.length - 1; i++) {
      seenChars += pieces[i].length;
      seenPieces++;
      yield pieces[i];
    }
    start += resume;
    windowChars = Math.max(1024, Math.round((seenChars / seenPieces) * options.chunksPerWindow));
  }
}
