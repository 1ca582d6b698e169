import { decode, encode } from 'gpt-tokenizer';

/**
 * cl100k tokens through gpt-tokenizer. LlamaIndex would pick it up on its own only when it can
 * resolve the package; passing it explicitly keeps its much slower fallback out of the path.
 */
/** The shape LlamaIndex's splitters take as `tokenizer`. */
export interface Tokenizer {
  encode(text: string): Uint32Array;
  decode(tokens: Uint32Array): string;
}

export const cl100kTokenizer: Tokenizer = {
  encode: (text: string) => new Uint32Array(encode(text)),
  decode: (tokens: Uint32Array) => decode(Array.from(tokens)),
};

export function countTokens(text: string): number {
  return encode(text).length;
}
