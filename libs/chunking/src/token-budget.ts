import { SentenceSplitter } from '@llamaindex/core/node-parser';
import { boundedCountingTokenizer, cl100kTokenizer, countTokens } from './token-counter';

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
 * The splitter adds up the token counts of the pieces it joins; tokenizing the joined text can
 * come out a token or two higher. A chunk over the budget is split again, a little tighter,
 * so `chunkSize` holds exactly as the embedder will count it.
 */
export function enforceTokenBudget(piece: string, chunkSize: number, chunkOverlap: number, depth = 0): string[] {
  if (countTokens(piece) <= chunkSize) return [piece];
  if (depth >= 3) return sliceByTokens(piece, chunkSize); // a hard cut as the last resort: never loops
  const tighter = Math.max(1, Math.floor(chunkSize * (0.9 - 0.1 * depth)));
  const resplit = new SentenceSplitter({
    chunkSize: tighter,
    chunkOverlap: Math.min(chunkOverlap, tighter - 1),
    tokenizer: boundedCountingTokenizer(tighter),
  });
  return resplit.splitText(piece).flatMap((part) => enforceTokenBudget(part, chunkSize, chunkOverlap, depth + 1));
}
