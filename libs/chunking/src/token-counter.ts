import { countTokens as countCl100k, decode, encode, encodeGenerator } from 'gpt-tokenizer';

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

export function countTokens(text: string): number {
  return countCl100k(text, AS_PLAIN_TEXT);
}

/**
 * cl100k tokens of `text`, counted only up to one past `limit`: enough to tell whether a piece
 * fits a chunk without tokenizing a long text in full.
 */
export function countTokensUpTo(text: string, limit: number): number {
  // A text of at most `limit` characters costs no more counted whole (the count may then pass limit + 1).
  if (text.length <= limit) return countTokens(text);
  let count = 0;
  for (const tokens of encodeGenerator(text, AS_PLAIN_TEXT)) {
    count += tokens.length;
    if (count > limit) return limit + 1;
  }
  return count;
}

export const cl100kTokenizer: Tokenizer = {
  encode: (text) => Uint32Array.from(encode(text, AS_PLAIN_TEXT)),
  decode: (tokens) => decode(tokens),
};
