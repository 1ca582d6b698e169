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

export const cl100kTokenizer: Tokenizer = {
  encode: (text) => Uint32Array.from(encode(text, AS_PLAIN_TEXT)),
  decode: (tokens) => decode(tokens),
};

/**
 * A tokenizer for SentenceSplitter that counts at most `limit + 1` tokens. The splitter only
 * compares token counts of pieces with the chunk size, and counts the whole text first, so
 * stopping one past the limit gives it the same answers without tokenizing long texts in full
 * (a test checks the output is identical). The returned array carries only a length.
 */
export function boundedCountingTokenizer(limit: number): Tokenizer {
  return {
    encode(text) {
      let count = 0;
      for (const tokens of encodeGenerator(text, AS_PLAIN_TEXT)) {
        count += tokens.length;
        if (count > limit) break;
      }
      return new Uint32Array(Math.min(count, limit + 1));
    },
    decode() {
      throw new Error('boundedCountingTokenizer only counts; decode with cl100kTokenizer');
    },
  };
}
