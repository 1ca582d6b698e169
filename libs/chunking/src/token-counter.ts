import { decode, encode } from 'gpt-tokenizer';
import type { Tokenizer } from '@llamaindex/env/tokenizers';

/**
 * cl100k tokens through gpt-tokenizer. LlamaIndex would pick it up on its own only when it can
 * resolve the package; passing it explicitly keeps its much slower fallback out of the path.
 */
export const cl100kTokenizer: Tokenizer = {
  encode: (text: string) => new Uint32Array(encode(text)),
  decode: (tokens: Uint32Array) => decode(Array.from(tokens)),
};

export function countTokens(text: string): number {
  return encode(text).length;
}
