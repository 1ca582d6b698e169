import { DocumentChunker, type Chunk, type ChunkOptions, type PageText } from '@docingest/chunking';
import type { StageTimer } from './stage-timer';

export interface ChunkStreamHooks {
  timer: StageTimer;
  /** Throws when the ingestion must stop; called between slices. */
  checkAborted: () => void;
  /** Called with every chunk as it is cut, before it is handed on. */
  onChunk?: (chunk: Chunk) => void;
  /** How long chunking may hold the event loop before other work gets a turn (ms). */
  sliceMs?: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The file's chunks as pages arrive: the same chunks chunkDocument gives (same text, index and
 * id), one at a time, so only the page being cut is in memory. Pages are cut on this thread:
 * the chunker runs at about the tokenizer's speed (bench: "Chunking alone"), far ahead of any
 * embedder, so threads would cost more to start and feed (and take cores from the local model)
 * than they save; the event loop gets a turn every `sliceMs`. Time spent reading pages counts as
 * `parse`, cutting them as `chunk`.
 */
export async function* streamChunks(pages: AsyncIterable<PageText>, options: ChunkOptions, hooks: ChunkStreamHooks): AsyncGenerator<Chunk> {
  const { timer, checkAborted, onChunk, sliceMs = 50 } = hooks;
  // Built here in any case: it checks the settings before any page is read.
  const chunker = new DocumentChunker(options);
  const source = pages[Symbol.asyncIterator]();
  let sliceStart = performance.now();
  try {
    for (;;) {
      const page = await timer.time('parse', () => source.next());
      if (page.done) return;
      for (const chunk of timedPieces(chunker.chunkPage(page.value), timer)) {
        onChunk?.(chunk);
        yield chunk;
        if (performance.now() - sliceStart >= sliceMs) {
          await yieldToEventLoop();
          checkAborted();
          sliceStart = performance.now();
        }
      }
    }
  } finally {
    // Stopped early (a failure downstream): close the file being read.
    await source.return?.();
  }
}

/** The chunker's output with the time spent cutting it counted as `chunk`. */
function* timedPieces(pieces: Generator<Chunk>, timer: StageTimer): Generator<Chunk> {
  for (;;) {
    const started = performance.now();
    const piece = pieces.next();
    timer.add('chunk', performance.now() - started);
    if (piece.done) return;
    yield piece.value;
  }
}
