import { SentenceSplitter } from '@llamaindex/core/node-parser';
import { chunkId, contentHash } from './chunk-identity';
import { validateChunkSettings } from './chunk-settings';
import { enforceTokenBudget } from './token-budget';
import { boundedCountingTokenizer } from './token-counter';
import { splitInWindows } from './windowed-split';

export interface PageText {
  text: string;
  pageNumber: number | null;
}

export interface ChunkOptions {
  /** Tokens (cl100k) per chunk, at most. */
  chunkSize: number;
  /** Tokens shared by neighbouring chunks of a page. */
  chunkOverlap: number;
  fileUuid: string;
  knowledgebaseId: string;
}

export interface Chunk {
  /** The node_id: deterministic, see chunkId. */
  id: string;
  text: string;
  pageNumber: number | null;
  /** Position in the file, from 0, across pages. */
  index: number;
  /** sha256 of the text, hex. */
  contentHash: string;
}

/**
 * Splitter windows of about two chunks: the sentence tokenizer's cost grows with the square of a
 * window, while each window redoes its last chunk; two was the fastest measured (2 to 6 tried).
 * The first guess is ordinary prose, about four characters per token.
 */
const CHUNKS_PER_WINDOW = 2;
const CHARS_PER_TOKEN_GUESS = 4;

/**
 * Chunks pages one after another, numbering chunks across the whole file. Pages are split
 * apart, so every chunk has one page number; a file's pages can be fed as they are read.
 */
export class DocumentChunker {
  private readonly splitter: SentenceSplitter;
  private nextIndex = 0;

  constructor(private readonly options: ChunkOptions) {
    validateChunkSettings(options.chunkSize, options.chunkOverlap);
    // splitText on the text alone: metadata never takes from the token budget.
    this.splitter = new SentenceSplitter({
      chunkSize: options.chunkSize,
      chunkOverlap: options.chunkOverlap,
      tokenizer: boundedCountingTokenizer(options.chunkSize),
    });
  }

  /** Chunks processed so far. */
  get count(): number {
    return this.nextIndex;
  }

  *chunkPage(page: PageText): Generator<Chunk> {
    const { chunkSize, chunkOverlap } = this.options;
    for (const piece of splitInWindows(page.text, this.splitter, {
      firstWindowChars: chunkSize * CHARS_PER_TOKEN_GUESS * CHUNKS_PER_WINDOW,
      chunksPerWindow: CHUNKS_PER_WINDOW,
    })) {
      for (const part of enforceTokenBudget(piece, chunkSize, chunkOverlap)) {
        const text = part.trim();
        if (!text) continue;
        const hash = contentHash(text);
        const index = this.nextIndex++;
        const id = chunkId({ ...this.options, index, contentHash: hash });
        yield { id, text, pageNumber: page.pageNumber, index, contentHash: hash };
      }
    }
  }
}

/**
 * Splits each page with LlamaIndex's sentence-aware splitter, sizes in cl100k tokens of the
 * text alone. Empty pages give no chunks.
 */
export function chunkDocument(pages: Iterable<PageText>, options: ChunkOptions): Chunk[] {
  const chunker = new DocumentChunker(options);
  const chunks: Chunk[] = [];
  for (const page of pages) for (const chunk of chunker.chunkPage(page)) chunks.push(chunk);
  return chunks;
}

export interface ChunkAsyncOptions {
  /** Stops chunking between pieces; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** How long chunking may hold the event loop before letting other work run (ms). */
  sliceMs?: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * chunkDocument for a server: the same chunks, but the event loop gets a turn every `sliceMs`
 * (chunking runs at well under 1 MB/s, so a large file would otherwise stall health checks and
 * progress callbacks for tens of seconds), and it can be stopped. Pages may arrive as they are read.
 */
export async function chunkDocumentAsync(
  pages: Iterable<PageText> | AsyncIterable<PageText>,
  options: ChunkOptions,
  { signal, sliceMs = 50 }: ChunkAsyncOptions = {},
): Promise<Chunk[]> {
  const chunker = new DocumentChunker(options);
  const chunks: Chunk[] = [];
  signal?.throwIfAborted();
  let sliceStart = Date.now();
  for await (const page of pages) {
    for (const chunk of chunker.chunkPage(page)) {
      chunks.push(chunk);
      if (Date.now() - sliceStart >= sliceMs) {
        await yieldToEventLoop();
        signal?.throwIfAborted();
        sliceStart = Date.now();
      }
    }
  }
  signal?.throwIfAborted();
  return chunks;
}
