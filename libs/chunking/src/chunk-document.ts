import { chunkId, contentHash } from './chunk-identity';
import { validateChunkSettings } from './chunk-settings';
import { LinearSentenceSplitter } from './linear-sentence-splitter';
import { withinTokenBudget } from './token-budget';

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
 * Chunks pages one after another, numbering chunks across the whole file. Pages are split
 * apart, so every chunk has one page number; a file's pages can be fed as they are read.
 */
export class DocumentChunker {
  private readonly splitter: LinearSentenceSplitter;
  private nextIndex = 0;

  constructor(private readonly options: ChunkOptions) {
    validateChunkSettings(options.chunkSize, options.chunkOverlap);
    // splitText on the text alone: metadata never takes from the token budget.
    this.splitter = new LinearSentenceSplitter({ chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap });
  }

  /** Chunks processed so far. */
  get count(): number {
    return this.nextIndex;
  }

  *chunkPage(page: PageText): Generator<Chunk> {
    const { chunkSize, chunkOverlap } = this.options;
    for (const chunk of this.splitter.chunks(page.text)) {
      for (const text of withinTokenBudget(chunk, chunkSize, chunkOverlap)) {
        const hash = contentHash(text);
        const index = this.nextIndex++;
        const id = chunkId({ ...this.options, index, contentHash: hash });
        yield { id, text, pageNumber: page.pageNumber, index, contentHash: hash };
      }
    }
  }
}

/**
 * Splits each page as LlamaIndex's SentenceSplitter does (LinearSentenceSplitter), sizes in
 * cl100k tokens of the text alone. Empty pages give no chunks.
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
 * (a large file would otherwise stall health checks and progress callbacks for seconds), and it can be stopped. Pages may arrive as they are read.
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
