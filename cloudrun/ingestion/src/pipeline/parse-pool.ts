import {
  DEFAULT_PARSE_LIMITS,
  DocumentLimitError,
  DocumentParseError,
  PARSE_WORKER_FILE,
  rebuildParseError,
  warmUpPdf,
  type ParseInput,
  type ParseLimits,
  type ParseReply,
  type ParseTask,
  type ParsedDocument,
} from '@docingest/document-parsing';
import { WorkerPool } from '@docingest/worker-pool';
import type { ParseConfig } from '../config';

export interface ParsePoolSettings {
  /** Threads parsing at once; a document beyond them waits for one (its time starts when it runs). */
  workers: number;
  /** Wall time of one document, after which its thread is terminated and replaced. */
  timeoutMs: number;
  /** Heap of one thread; a document that needs more ends its thread, which is replaced. */
  memoryMb: number;
  limits: ParseLimits;
}

/**
 * The defaults of PARSE_WORKERS, PARSE_TIMEOUT_MS and PARSE_MEMORY_MB: two threads of 512 MB
 * heap fit the 2 GiB Cloud Run instance beside the embedder's model copies and a download.
 */
export const DEFAULT_PARSE_POOL = { workers: 2, timeoutMs: 120_000, memoryMb: 512 };

/** The pool's settings from the service's configuration; what it lacks, the defaults. */
export function parsePoolSettings(config: Partial<ParseConfig> = {}): ParsePoolSettings {
  const limits = DEFAULT_PARSE_LIMITS;
  return {
    workers: config.PARSE_WORKERS ?? DEFAULT_PARSE_POOL.workers,
    timeoutMs: config.PARSE_TIMEOUT_MS ?? DEFAULT_PARSE_POOL.timeoutMs,
    memoryMb: config.PARSE_MEMORY_MB ?? DEFAULT_PARSE_POOL.memoryMb,
    limits: {
      outputRatio: config.PARSE_OUTPUT_RATIO ?? limits.outputRatio,
      maxTextChars: config.PARSE_MAX_TEXT_CHARS ?? limits.maxTextChars,
      maxPages: config.PARSE_MAX_PAGES ?? limits.maxPages,
      maxDepth: config.PARSE_MAX_DEPTH ?? limits.maxDepth,
      maxUnzippedBytes: config.PARSE_MAX_UNZIPPED_MB !== undefined ? config.PARSE_MAX_UNZIPPED_MB * 1024 * 1024 : limits.maxUnzippedBytes,
      maxZipRatio: config.PARSE_MAX_ZIP_RATIO ?? limits.maxZipRatio,
      maxLineChars: config.PARSE_MAX_LINE_CHARS ?? limits.maxLineChars,
    },
  };
}

/** Why a parse thread stopped, when it was not a parse error. */
export class ParseThreadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ParseThreadError';
  }
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * Documents parsed in worker threads (the WorkerPool), never on the request thread, so a
 * document that takes minutes or gigabytes delays no health check, callback or other file. Each
 * parse has a wall-time limit from when a thread takes it (the thread is terminated and replaced
 * when it passes), each thread a heap limit, and the parsers inside keep to the ParseLimits. One
 * thread is started with the pool and kept, so a document after a quiet spell does not wait
 * seconds for a thread to start and load its parsers (bench/README.md, latency); the others start
 * on demand and stop after 30 s idle.
 */
export class ParsePool {
  private readonly pool: WorkerPool<ParseTask, ParseReply>;

  constructor(private readonly settings: ParsePoolSettings) {
    this.pool = new WorkerPool({ file: PARSE_WORKER_FILE, threads: settings.workers, keptThreads: 1, idleTimeoutMs: 30_000, memoryMb: settings.memoryMb });
  }

  /** The document's pages, or the error that stopped it: a DocumentParseError (a DocumentLimitError for a limit). */
  async parse(input: ParseInput, signal?: AbortSignal): Promise<ParsedDocument> {
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => deadline.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await this.pool.run(
        { input, limits: this.settings.limits },
        { signal: deadline.signal, interrupt: true, onStart: () => (timer = setTimeout(() => deadline.abort(), this.settings.timeoutMs)) },
      );
      if ('document' in reply) return reply.document;
      if ('error' in reply) throw rebuildParseError(reply.error);
      throw new ParseThreadError(`the parser failed on this file (${reply.failure.name}: ${reply.failure.message})`);
    } catch (error) {
      if (error instanceof DocumentParseError || error instanceof ParseThreadError) throw error;
      if (deadline.signal.aborted && !signal?.aborted) {
        throw new DocumentLimitError(
          'timeoutMs',
          `parsing the document took longer than ${seconds(this.settings.timeoutMs)} and was stopped; the limit is ${seconds(this.settings.timeoutMs)} per document`,
        );
      }
      if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new DocumentLimitError(
          'memoryMb',
          `parsing the document needed more than ${this.settings.memoryMb} MB of memory, so it was stopped; the limit is ${this.settings.memoryMb} MB per document`,
        );
      }
      throw new ParseThreadError(`the parser thread stopped: ${(error as Error).message ?? error}`, { cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Reads a small built-in PDF (warmUpPdf) on the thread the pool keeps, so the first PDF a user
   * sends does not pay for pdf.js compiling its text path (bench/README.md, "The parse thread warmed
   * at start-up"). Answers the pages read; a document arriving meanwhile is served as ever.
   */
  async warmUp(): Promise<number> {
    const bytes = warmUpPdf();
    const document = await this.parse({ bytes, fileName: 'warm-up.pdf', contentType: 'application/pdf' });
    return document.pageCount;
  }

  /** Threads running now. */
  get threads(): number {
    return this.pool.threadIds.length;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

const shared = new Map<string, ParsePool>();

/** The process's pool for these settings, started on first use (the service starts it at start-up) and shared by every ingestion. */
export function sharedParsePool(settings: ParsePoolSettings): ParsePool {
  const key = JSON.stringify(settings);
  let pool = shared.get(key);
  if (!pool) {
    pool = new ParsePool(settings);
    shared.set(key, pool);
  }
  return pool;
}

/** Stops every shared pool's threads (at shutdown, and after tests). */
export async function closeParsePools(): Promise<void> {
  const pools = [...shared.values()];
  shared.clear();
  await Promise.all(pools.map((pool) => pool.close()));
}
