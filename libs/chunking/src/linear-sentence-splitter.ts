import { Settings } from '@llamaindex/core/global';
import { SentenceSplitter } from '@llamaindex/core/node-parser';
import { SentenceBoundaries } from './sentence-boundaries';
import { countTokens, countTokensUpTo } from './token-counter';

/** A piece of text as the splitter passes it on: its text, whether it is whole sentences, its cl100k tokens. */
interface Split {
  text: string;
  isSentence: boolean;
  tokens: number;
}

/**
 * LlamaIndex's SentenceSplitter, cutting the same chunks in time linear in the text. It is a
 * SentenceSplitter (NodeParser, TransformComponent: it goes where LlamaIndex takes one) with the
 * same settings; only `_splitText`, the step from a text to its chunks, is replaced:
 * - sentences come from SentenceBoundaries (the original's sentence tokenizer is quadratic);
 * - every piece is counted once, in cl100k tokens, and a piece is only counted in full when it
 *   may fit a chunk (a longer one is counted to one token past the chunk size, then split);
 * - the same recursive split (paragraphs, sentences, phrases, words, characters) and the same
 *   merge with overlap, as a generator, so a long page's chunks come out as they are cut.
 * The splitter's own output can exceed chunk_size (it adds the pieces' counts, and a chunk's
 * overlap plus its next piece may go over); `DocumentChunker` counts each chunk from its pieces
 * (see `chunkTokens`) and cuts the rare one over the budget again.
 */
export class LinearSentenceSplitter extends SentenceSplitter {
  private readonly sentences: SentenceBoundaries;
  private readonly phrasePattern: RegExp;

  constructor(params: ConstructorParameters<typeof SentenceSplitter>[0] = {}) {
    super(params);
    this.sentences = new SentenceBoundaries(this.extraAbbreviations ?? []);
    this.phrasePattern = new RegExp(this.secondaryChunkingRegex, 'g');
    this.tokenSize = countTokens;
  }

  override _splitText(text: string, chunkSize: number): string[] {
    if (text === '') return [text];
    // The same events SentenceSplitter sends, for LlamaIndex's callbacks.
    Settings.callbackManager.dispatchEvent('chunking-start', { text: [text] });
    const chunks = [...this.chunks(text, chunkSize)].map((chunk) => chunk.text);
    Settings.callbackManager.dispatchEvent('chunking-end', { chunks });
    return chunks;
  }

  /** The chunks of `text`, trimmed, each with the pieces it was joined from (for `chunkTokens`). */
  *chunks(text: string, chunkSize = this.chunkSize): Generator<{ text: string; pieces: Split[] }> {
    for (const pieces of this.merge(this.split(text, chunkSize, countTokensUpTo(text, chunkSize)), chunkSize)) {
      const joined = pieces.length === 1 ? pieces[0].text : pieces.map((p) => p.text).join('');
      const trimmed = joined.trim();
      if (trimmed !== '') yield { text: trimmed, pieces };
    }
  }

  private *split(text: string, chunkSize: number, tokens: number): Generator<Split> {
    if (tokens <= chunkSize) {
      yield { text, isSentence: true, tokens };
      return;
    }
    const [parts, isSentence] = this.splitOnce(text);
    for (const part of parts) {
      const partTokens = countTokensUpTo(part, chunkSize);
      if (partTokens <= chunkSize) yield { text: part, isSentence, tokens: partTokens };
      else yield* this.split(part, chunkSize, partTokens);
    }
  }

  /** The first of the splitter's ways to cut a text that gives more than one part, as SentenceSplitter orders them. */
  private splitOnce(text: string): [string[], boolean] {
    const paragraphs = splitKeepingSeparator(text, this.paragraphSeparator);
    if (paragraphs.length > 1) return [paragraphs, true];
    const sentences = this.sentences.split(text);
    if (sentences.length > 1) return [sentences, true];
    const phrases = text.match(this.phrasePattern) ?? [];
    if (phrases.length > 1) return [phrases, false];
    const words = splitKeepingSeparator(text, this.separator);
    if (words.length > 1) return [words, false];
    const characters = text.split('');
    if (characters.length > 1) return [characters, false];
    return [[text], true];
  }

  /** SentenceSplitter's merge: fill a chunk up to chunkSize, then start the next with the last pieces that fit in chunkOverlap. */
  private *merge(splits: Iterable<Split>, chunkSize: number): Generator<Split[]> {
    let current: Split[] = [];
    let currentTokens = 0;
    let newChunk = true;
    const close = (): Split[] => {
      const closed = current;
      current = [];
      currentTokens = 0;
      newChunk = true;
      for (let i = closed.length - 1; i >= 0 && currentTokens + closed[i].tokens <= this.chunkOverlap; i--) {
        currentTokens += closed[i].tokens;
        current.unshift(closed[i]);
      }
      return closed;
    };
    for (const split of splits) {
      if (split.tokens > chunkSize) throw new Error('Single token exceeded chunk size');
      // As SentenceSplitter: a split that does not fit closes the chunk and is tried again.
      for (;;) {
        if (currentTokens + split.tokens > chunkSize && !newChunk) {
          yield close();
        } else if (split.isSentence || currentTokens + split.tokens <= chunkSize || newChunk) {
          currentTokens += split.tokens;
          current.push(split);
          newChunk = false;
          break;
        } else {
          yield close();
        }
      }
    }
    if (!newChunk) yield current;
  }
}

/** LlamaIndex's `splitTextKeepSeparator`: the separator starts every part but the first; empty parts are dropped. */
function splitKeepingSeparator(text: string, separator: string): string[] {
  return text
    .split(separator)
    .map((part, index) => (index > 0 ? separator + part : part))
    .filter((part) => part !== '');
}
