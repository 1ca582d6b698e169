import { countTokens as countCl100k, decode, encode } from 'gpt-tokenizer';

/**
 * cl100k tokens through gpt-tokenizer (its default encoding). A document is data, not a prompt:
 * `<|endoftext|>` inside a file is ordinary text, so special tokens are never refused (by
 * default gpt-tokenizer throws on them, which would fail the whole file).
 */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** The shape LlamaIndex's splitters take as `tokenizer`. */
export interface Tokenizer {
  encode(text: string): Uint32Array;
  decode(tokens: Uint32Array): string;
}

/**
 * cl100k's pre-tokenizer (the pattern gpt-tokenizer 2.9 uses for cl100k_base): BPE works inside
 * each of its matches, so a text's tokens are the sum of its pre-tokens' tokens.
 */
const PRE_TOKEN = /(?:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/giu;

/** Tokens per pre-token: words repeat all through a document. Bounded, emptied when full. */
const preTokenCounts = new Map<string, number>();
const PRE_TOKEN_CACHE_LIMIT = 200_000;

/**
 * cl100k tokens of `text`, as gpt-tokenizer counts them (a test compares both), without its
 * per-call work (special-token scans) and with each pre-token's count remembered.
 */
export function countTokens(text: string): number {
  return countPreTokens(text, Infinity);
}

function countPreTokens(text: string, limit: number): number {
  let count = 0;
  PRE_TOKEN.lastIndex = 0;
  for (let match = PRE_TOKEN.exec(text); match && count <= limit; match = PRE_TOKEN.exec(text)) {
    const piece = match[0];
    let tokens = preTokenCounts.get(piece);
    if (tokens === undefined) {
      if (preTokenCounts.size >= PRE_TOKEN_CACHE_LIMIT) preTokenCounts.clear();
      tokens = countCl100k(piece, AS_PLAIN_TEXT);
      preTokenCounts.set(piece, tokens);
    }
    count += tokens;
  }
  return count;
}

/**
 * cl100k tokens of `text`, counted only up to one past `limit`: enough to tell whether a piece
 * fits a chunk without tokenizing a long text in full.
 */
export function countTokensUpTo(text: string, limit: number): number {
  return Math.min(countPreTokens(text, limit), limit + 1);
}

export const cl100kTokenizer: Tokenizer = {
  encode: (text) => Uint32Array.from(encode(text, AS_PLAIN_TEXT)),
  decode: (tokens) => decode(tokens),
};
