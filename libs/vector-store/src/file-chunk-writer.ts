import type { ChunkRow, FileScope } from './chunk-row';
import type { StagingTable } from './staging-table';
import type { StoredEmbeddings } from './stored-embeddings';

export interface FileChunkWriterOptions {
  /**
   * Rows held in memory before the writer starts staging them in the database. A file with no
   * more rows is stored by one replaceFileChunks call at commit, as a whole.
   */
  memoryRows: number;
  /** Rows per staging INSERT (default 250, at most memoryRows). */
  sliceRows?: number;
  /**
   * Told when the swap's transaction holds the file's lock: for a staged set, before the old rows
   * are deleted; for a set held in memory, once the lock of its one round trip (lock, DELETE,
   * INSERTs) is answered, the rest of it on its way. From here until it commits, a crash or a lost
   * connection rolls the whole swap back. `rows` is the new set's size, `staged` whether it comes
   * from the staging table.
   */
  onSwapOpened?: (swap: { rows: number; staged: boolean }) => void;
}

export interface ReplaceResult {
  deleted: number;
  inserted: number;
}

/** What the writer needs from the store: the one-transaction replacement, the swap from staging, and the file's stored vectors. */
export interface FileReplacementTarget {
  /** `textSearch`: each row's full-text value computed ahead (textSearchValues), or null. */
  replaceFileChunks(rows: ChunkRow[], onProgress?: (stored: number) => void, textSearch?: ReadonlyArray<string | null>): Promise<ReplaceResult>;
  /** The full-text values of texts, in order, as the table's trigger would compute them. */
  textSearchValues(texts: readonly string[]): Promise<string[]>;
  /** Writes rows to the staging table under the replacement's id, with their full-text values (null: left to the swap's trigger). */
  stage(replacementId: string, rows: readonly ChunkRow[], textSearch: ReadonlyArray<string | null>): Promise<void>;
  publishStaged(replacementId: string, expected: number): Promise<ReplaceResult>;
  storedEmbeddings(): Promise<StoredEmbeddings>;
}

/**
 * A file's new set of chunks, given as they are embedded, swapped in for the old set at commit.
 * Readers see the old set or the new one, never both, and nothing of a writer that fails or is
 * discarded. Memory stays bounded whatever the file's size: rows past `memoryRows` go to the
 * staging table in slices, one INSERT at a time in the background (add() waits only when two
 * slices are already queued), and commit moves them in one transaction.
 */
export class FileChunkWriter {
  private buffer: ChunkRow[] = [];
  private addedRows = 0;
  private replacementId: string | null = null;
  private readonly slices: Array<Promise<void>> = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;
  private state: 'open' | 'committing' | 'done' = 'open';
  private readonly sliceRows: number;
  /** Full-text values computed ahead, by text (see prepare); a failed one is null and left to the trigger. */
  private readonly textSearch = new Map<string, Promise<string | null>>();
  private preparedRows = 0;

  constructor(
    private readonly staging: StagingTable,
    private readonly target: FileReplacementTarget,
    readonly scope: FileScope,
    private readonly options: FileChunkWriterOptions,
  ) {
    // A slice never holds more than the memory bound allows.
    this.sliceRows = Math.max(1, Math.min(options.sliceRows ?? 250, options.memoryRows));
  }

  /** Rows given so far. */
  get added(): number {
    return this.addedRows;
  }

  /**
   * The vectors of the set this writer replaces, by embedding hash: the new rows may take them
   * for unchanged text instead of embedding it again (see StoredEmbeddings).
   */
  storedEmbeddings(): Promise<StoredEmbeddings> {
    return this.target.storedEmbeddings();
  }

  /**
   * Texts of rows to come, given before their vectors: their full-text values are computed now, while
   * the vectors are being embedded, so the commit of a file held in memory only copies them (the
   * value is most of a chunk row's cost on PGlite, see docs/decisions.md#writing-vectors). Rows
   * that go to the staging table compute theirs as they are staged, so no more than `memoryRows`
   * are prepared. Never fails: a value not computed is computed by the insert.
   */
  prepare(texts: readonly string[]): void {
    if (this.state !== 'open' || this.replacementId !== null || this.preparedRows + texts.length > this.options.memoryRows) return;
    const fresh = [...new Set(texts)].filter((text) => !this.textSearch.has(text));
    if (fresh.length === 0) return;
    this.preparedRows += texts.length;
    const values = this.target.textSearchValues(fresh);
    fresh.forEach((text, i) =>
      this.textSearch.set(
        text,
        values.then(
          (all) => all[i] ?? null,
          () => null,
        ),
      ),
    );
  }

  /** Whether rows went to the staging table (the file outgrew memoryRows). */
  get isStaging(): boolean {
    return this.replacementId !== null;
  }

  /** Takes rows in file order; resolves when they are accepted, rejects if staging failed. */
  async add(rows: readonly ChunkRow[]): Promise<void> {
    this.assertOpen();
    this.throwIfFailed();
    for (const row of rows) this.buffer.push(row);
    this.addedRows += rows.length;
    if (this.replacementId === null && this.buffer.length > this.options.memoryRows) {
      this.replacementId = this.staging.newReplacementId();
      try {
        await this.staging.create(this.replacementId);
      } catch (error) {
        this.failure ??= { error };
      }
    }
    if (this.replacementId === null) return;
    this.queueSlices(false);
    while (this.slices.length > 2 && !this.failure) await this.slices[0];
    this.throwIfFailed();
  }

  /** Resolves once every slice queued so far is in the staging table; rejects if staging failed. */
  async staged(): Promise<void> {
    await this.chain;
    this.throwIfFailed();
  }

  /**
   * Replaces the file's chunks with every row given, in one transaction. `onProgress` gets the
   * rows stored so far. On failure the old set stays and what was staged is removed.
   */
  async commit(onProgress?: (stored: number) => void): Promise<ReplaceResult> {
    this.assertOpen();
    this.state = 'committing';
    try {
      if (this.replacementId === null) {
        const rows = this.buffer;
        this.buffer = [];
        const textSearch = this.textSearch.size ? await Promise.all(rows.map((row) => this.textSearch.get(row.text) ?? null)) : undefined;
        this.textSearch.clear();
        return await this.target.replaceFileChunks(rows, onProgress, textSearch);
      }
      this.queueSlices(true);
      await this.chain;
      this.throwIfFailed();
      const result = await this.target.publishStaged(this.replacementId, this.addedRows);
      onProgress?.(result.inserted);
      return result;
    } catch (error) {
      await this.removeStaged();
      throw error;
    } finally {
      this.state = 'done';
    }
  }

  /** Gives the new set up: nothing reaches the table, staged rows are removed. Safe to call twice. */
  async discard(): Promise<void> {
    if (this.state === 'done') return;
    this.state = 'done';
    this.buffer = [];
    this.textSearch.clear();
    await this.removeStaged();
  }

  private queueSlices(final: boolean): void {
    const replacementId = this.replacementId!;
    while (this.buffer.length >= this.sliceRows || (final && this.buffer.length > 0)) {
      const slice = this.buffer.splice(0, this.sliceRows);
      // Computed now, while the slice before it is being inserted: the two run on different cores.
      const textSearch = this.target.textSearchValues(slice.map((row) => row.text)).catch(() => slice.map(() => null));
      const done = this.chain.then(async () => {
        if (this.failure || this.state === 'done') return;
        try {
          await this.target.stage(replacementId, slice, await textSearch);
        } catch (error) {
          this.failure ??= { error };
        }
      });
      this.chain = done;
      this.slices.push(done);
      void done.then(() => this.slices.splice(this.slices.indexOf(done), 1));
    }
  }

  private async removeStaged(): Promise<void> {
    if (this.replacementId === null) return;
    await this.chain;
    await this.staging.discard(this.replacementId).catch(() => undefined);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new Error('this file chunk writer has already been committed or discarded');
  }
}
