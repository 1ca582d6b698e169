import { chunkId, DocumentChunker, type Chunk, type ChunkOptions, type PageText } from '@docingest/chunking';
import type { ChunkPiece, ChunkWorkerPool } from './chunk-worker-pool';
import type { StageTimer } from './stage-timer';

export interface ChunkStreamHooks {
  timer: StageTimer;
  /** Throws when the ingestion must stop; called between slices. */
  checkAborted: () => void;
  /** Called with every chunk as it is cut, before it is handed on. */
  onChunk?: (chunk: Chunk) => void;
  /** Asked before each page: the threads to cut it in, or undefined to cut it on this thread. */
  workers?: () => ChunkWorkerPool | undefined;
  /** How long chunking may hold the event loop before other work gets a turn (ms). */
  sliceMs?: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

type AheadPage = { pageNumber: number | null; pieces: Promise<ChunkPiece[]> } | { pageNumber: number | null; page: PageText };

/**
 * The file's chunks as pages arrive: the same chunks chunkDocument gives (same text, index and
 * id), one at a time, so only the pages being cut are in memory. A page goes to worker threads
 * when `workers` offers them, and then up to one page per thread is cut ahead while the chunks
 * before it are embedded; otherwise it is cut here, where chunking gives the event loop a turn
 * every `sliceMs`. Time spent reading pages counts as `parse`, cutting them
 * (or waiting for a thread to) as `chunk`.
 */
export async function* streamChunks(pages: AsyncIterable<PageText>, options: ChunkOptions, hooks: ChunkStreamHooks): AsyncGenerator<Chunk> {
  const { timer, checkAborted, onChunk, sliceMs = 50 } = hooks;
  // Built here in any case: it checks the settings before any page is read.
  const chunker = new DocumentChunker(options);
  const source = pages[Symbol.asyncIterator]();
  const settings = { chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap };
  const ahead: AheadPage[] = [];
  let index = 0;
  let exhausted = false;
  let sliceStart = performance.now();

  /** A chunk at its place in this file (the chunker's own count skips the pages cut in threads). */
  const placed = (text: string, hash: string, pageNumber: number | null, own?: Chunk): Chunk => {
    const at = index++;
    if (own && own.index === at) return own;
    return { id: chunkId({ ...options, index: at, contentHash: hash }), text, pageNumber, index: at, contentHash: hash };
  };

  try {
    for (;;) {
      while (!exhausted) {
        const workers = hooks.workers?.();
        if (ahead.length >= (workers?.size ?? 1)) break;
        const page = await timer.time('parse', () => source.next());
        if (page.done) {
          exhausted = true;
          break;
        }
        if (workers) {
          const pieces = workers.chunkPage(page.value, settings);
          pieces.catch(() => undefined); // awaited in order below
          ahead.push({ pageNumber: page.value.pageNumber, pieces });
        } else {
          ahead.push({ pageNumber: page.value.pageNumber, page: page.value });
        }
      }
      const next = ahead.shift();
      if (!next) return;

      let chunks: Iterable<Chunk>;
      if ('pieces' in next) {
        const pieces = await timer.time('chunk', () => next.pieces);
        checkAborted();
        chunks = pieces.map((piece) => placed(piece.text, piece.contentHash, next.pageNumber));
      } else {
        chunks = (function* () {
          for (const own of timedPieces(chunker.chunkPage(next.page), timer)) yield placed(own.text, own.contentHash, own.pageNumber, own);
        })();
      }
      for (const chunk of chunks) {
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
