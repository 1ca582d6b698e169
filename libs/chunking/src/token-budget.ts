import { joinedTokenCount, type CountedPiece } from './chunk-tokens';
import { LinearSentenceSplitter } from './linear-sentence-splitter';
import { cl100kTokenizer, countTokens } from './token-counter';

function sliceByTokens(text: string, size: number): string[] {
  const tokens = cl100kTokenizer.encode(text);
  const out: string[] = [];
  for (let start = 0; start < tokens.length; start += size) {
    const piece = cl100kTokenizer.decode(tokens.subarray(start, start + size)).trim();
    if (piece) out.push(piece);
  }
  return out;
}

/**
 * A chunk's text within `chunkSize` tokens as the embedder counts them. The splitter adds up its
 * pieces' counts, and a chunk's overlap plus its next piece can pass the budget; such a chunk
 * (rare) is split again, a little tighter each time, so `chunkSize` holds exactly.
 */
export function* withinTokenBudget(chunk: { text: string; pieces: readonly CountedPiece[] }, chunkSize: number, chunkOverlap: number): Generator<string> {
  if (joinedTokenCount(chunk.pieces) <= chunkSize) {
    yield chunk.text;
    return;
  }
  yield* resplit(chunk.text, chunkSize, chunkOverlap, 0);
}

function* resplit(text: string, chunkSize: number, chunkOverlap: number, depth: number): Generator<string> {
  if (depth >= 3) {
    yield* sliceByTokens(text, chunkSize); // a hard cut as the last resort: never loops
    return;
  }
  const tighter = Math.max(1, Math.floor(chunkSize * (0.9 - 0.1 * depth)));
  const splitter = new LinearSentenceSplitter({ chunkSize: tighter, chunkOverlap: Math.min(chunkOverlap, tighter - 1) });
  for (const part of splitter.chunks(text)) {
    if (countTokens(part.text) <= chunkSize) yield part.text;
    else yield* resplit(part.text, chunkSize, chunkOverlap, depth + 1);
  }
}
