import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PageText } from '@docingest/chunking';

export interface ChunkPageTask {
  id: number;
  text: string;
  pageNumber: number | null;
  chunkSize: number;
  chunkOverlap: number;
}

export type ChunkPageReply = { id: number; pieces: ChunkPiece[] } | { id: number; error: { name: string; message: string } };

/** A chunk as a worker cuts it: its place in the file is given by the caller. */
export interface ChunkPiece {
  text: string;
  contentHash: string;
}

interface Task {
  message: ChunkPageTask;
  resolve(pieces: ChunkPiece[]): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  idleTimer: NodeJS.Timeout | null;
}

export class ChunkWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkWorkerError';
  }
}

/**
 * The thread's entry: the compiled file in a build; from the TypeScript sources, the source
 * file, loaded by the same loader this process was started with (`node -r @swc-node/register`).
 * Null when this process has no such loader (under Jest): chunking then stays on this thread.
 */
function workerEntry(): { file: string; execArgv?: string[] } | null {
  const compiled = join(__dirname, 'chunk-worker.thread.js');
  if (existsSync(compiled)) return { file: compiled };
  // A thread starts with this process's execArgv, so it gets the same loader.
  const loader = process.execArgv.some((arg) => /swc-node|ts-node|tsx/.test(arg));
  return loader ? { file: join(__dirname, 'chunk-worker.thread.ts') } : null;
}

/**
 * Worker threads that cut pages into chunks. Chunking is the heaviest work the service does
 * outside the embedder, and on the request
 * thread it holds up every other file's downloads, callbacks and database answers; here it runs
 * beside them. Pages wait in one FIFO queue. Threads start on demand and stop after `idleMs`
 * without work; idle ones never keep the process alive. A thread that dies fails its page and
 * is replaced on the next one.
 */
export class ChunkWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  /**
   * `idleMs`: a thread idle that long is stopped, giving its memory back (about 100 MB each).
   * `entry`: where the threads start (a test seam; default: see workerEntry).
   */
  constructor(
    readonly size: number,
    private readonly idleMs = 30_000,
    private readonly entry: { file: string; execArgv?: string[] } | null = workerEntry(),
  ) {}

  /** Whether threads can start here at all. */
  get available(): boolean {
    return this.entry !== null;
  }

  chunkPage(page: PageText, settings: { chunkSize: number; chunkOverlap: number }): Promise<ChunkPiece[]> {
    if (this.closed) return Promise.reject(new ChunkWorkerError('the chunk worker pool is closed'));
    if (!this.entry) return Promise.reject(new ChunkWorkerError('chunking threads cannot start in this process'));
    return new Promise((resolve, reject) => {
      this.queue.push({ message: { id: this.nextId++, text: page.text, pageNumber: page.pageNumber, ...settings }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new ChunkWorkerError('the chunk worker pool is closed'));
    const slots = this.slots.splice(0);
    for (const slot of slots) if (slot.idleTimer) clearTimeout(slot.idleTimer);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.task === null) ?? (this.slots.length < this.size ? this.spawn() : null);
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      slot.idleTimer = null;
      slot.worker.ref();
      slot.worker.postMessage(task.message);
    }
  }

  private spawn(): Slot {
    const { file, execArgv } = this.entry!;
    const slot: Slot = { worker: new Worker(file, execArgv ? { execArgv } : {}), task: null, idleTimer: null };
    let crash: Error | undefined;
    slot.worker.on('message', (reply: ChunkPageReply) => {
      const task = slot.task;
      slot.task = null;
      slot.worker.unref();
      slot.idleTimer = setTimeout(() => this.retire(slot), this.idleMs).unref();
      if (task) {
        if ('pieces' in reply) task.resolve(reply.pieces);
        else task.reject(Object.assign(new ChunkWorkerError(reply.error.message), { name: reply.error.name }));
      }
      this.dispatch();
    });
    slot.worker.on('error', (error) => (crash = error));
    slot.worker.on('exit', (code) => {
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      const index = this.slots.indexOf(slot);
      if (index < 0) return; // stopped on purpose (idle, or close())
      this.slots.splice(index, 1);
      slot.task?.reject(new ChunkWorkerError(`a chunking thread stopped (exit code ${code}${crash ? `: ${crash.message}` : ''})`));
      if (!this.closed) this.dispatch();
    });
    this.slots.push(slot);
    return slot;
  }

  private retire(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || slot.task) return;
    this.slots.splice(index, 1);
    void slot.worker.terminate();
  }

  /** Threads running now (started on demand, stopped when idle). */
  get threads(): number {
    return this.slots.length;
  }
}

const shared = new Map<number, ChunkWorkerPool>();

/**
 * The process's pool of `size` threads, started on first use and shared by every ingestion (the
 * threads are the machine's cores, not a request's), or undefined where threads cannot start.
 * Idle threads never keep the process alive, so nothing has to close it at shutdown.
 */
export function sharedChunkWorkerPool(size: number): ChunkWorkerPool | undefined {
  let pool = shared.get(size);
  if (!pool) {
    pool = new ChunkWorkerPool(size);
    shared.set(size, pool);
  }
  return pool.available ? pool : undefined;
}
