import { countTokens, type Chunk } from '@docingest/chunking';
import type { Embedder } from '@docingest/embeddings';
import { embeddingHash, STORED_METADATA_KEYS, type ChunkRow, type EmbeddingSpace, type FileChunkWriter, type StoredEmbeddings } from '@docingest/vector-store';
import { toIngestionError } from '../errors';
import type { StageTimer } from './stage-timer';

export interface EmbedAndStoreOptions {
  embedder: Embedder;
  /** The vectors of the file's stored set, by embedding hash (looked up ahead, see downloadStage). */
  stored: Promise<StoredEmbeddings>;
  /** Texts per embedding request. */
  batchSize: number;
  signal: AbortSignal;
  writer: FileChunkWriter;
  timer: StageTimer;
  toRow: (chunk: Chunk, embedding: Float32Array) => ChunkRow;
  /** The first batch goes to the embedder. */
  onEmbeddingStarts: () => void;
  /** Chunks embedded so far (in file order), after each batch. */
  onEmbedded: (done: number) => void;
  /**
   * Whether the database should compute a batch's full-text values while its vectors are out
   * (FileChunkWriter.prepare): worth it when the database would otherwise wait with the file.
   */
  prepareTextSearch?: () => boolean;
  /** Every chunk is cut and its batch sent (or its stored vector found): `chunks` is the file's total. Vectors may still be out. */
  onAllSent?: (chunks: number) => void;
}

/** What the embedding of a file cost: chunks sent to the embedder, chunks that took a stored vector, and the tokens sent. */
export interface EmbeddingWork {
  embedded: number;
  reused: number;
  tokens: number;
}

interface PendingBatch {
  chunks: Chunk[];
  vectors: Promise<BatchVectors>;
  ready: boolean;
}

interface BatchVectors {
  vectors: Float32Array[];
  hashes: string[];
  embedded: number;
  tokens: number;
}

/**
 * Embeds chunks in batches as they are cut and hands the rows to the writer in file order.
 * A file keeps the embedder's parallelism plus one batch outstanding: enough to keep every
 * request slot (or worker) busy while the next batch is being cut, and a bound on the memory a
 * file holds whatever its size. Storing never holds up embedding: the writer buffers, or stages
 * in the background.
 *
 * Re-ingestion embeds only what changed: each chunk's embedding hash (model, dimensions and text,
 * see embeddingHash) is stored with it, and a chunk whose hash the file's current set already has
 * takes that stored vector, looked up one query per batch, instead of going to the embedder
 * (docs/wire-contract.md#re-ingestion). Answers the work done: chunks embedded, reused, tokens sent.
 */
export async function embedAndStore(chunks: AsyncIterable<Chunk>, options: EmbedAndStoreOptions): Promise<EmbeddingWork> {
  const { embedder, batchSize, writer, timer } = options;
  const maxOutstanding = embedder.parallelism + 1;
  // One failure stops the batches still waiting for the embedder.
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  const outstanding: PendingBatch[] = [];
  const work: EmbeddingWork = { embedded: 0, reused: 0, tokens: 0 };
  let done = 0;
  // Resolved once, on the first batch.
  let lookup: Promise<{ space: EmbeddingSpace; stored: StoredEmbeddings }> | null = null;

  const vectorsOf = async (batch: Chunk[]): Promise<BatchVectors> => {
    lookup ??= Promise.all([embedder.resolveDimensions({ signal: stop.signal }), options.stored]).then(([dimensions, stored]) => ({
      space: { provider: embedder.provider, model: embedder.model, dimensions },
      stored,
    }));
    const { space, stored } = await lookup;
    const hashes = batch.map((chunk) => embeddingHash(space, chunk.contentHash));
    const found = await stored.take(hashes);
    const missing = batch.filter((_, i) => !found.has(hashes[i]));
    const fresh = missing.length
      ? embedder.embedFloat32(
          missing.map((chunk) => chunk.text),
          { signal: stop.signal, batchSize },
        )
      : Promise.resolve([]);
    // The tokens are counted once the request is on its way, while it is out, not after it.
    fresh.catch(() => undefined);
    await yieldToEventLoop();
    const tokens = missing.reduce((sum, chunk) => sum + countTokens(chunk.text), 0);
    const embedded = await fresh;
    let next = 0;
    const vectors = hashes.map((hash) => found.get(hash) ?? embedded[next++]);
    return { vectors, hashes, embedded: missing.length, tokens };
  };

  const send = (batch: Chunk[]) => {
    if (done === 0 && outstanding.length === 0) options.onEmbeddingStarts();
    if (options.prepareTextSearch?.() ?? true) writer.prepare(batch.map((chunk) => chunk.text));
    const vectors = vectorsOf(batch);
    const pending: PendingBatch = { chunks: batch, vectors, ready: false };
    // Awaited in order below; a failure meanwhile must not count as unhandled.
    vectors.then(
      () => (pending.ready = true),
      () => undefined,
    );
    outstanding.push(pending);
  };
  const storeOldest = async () => {
    const { chunks: batch, vectors } = outstanding.shift()!;
    const result = await timer.time('embed', () => vectors);
    done += batch.length;
    work.embedded += result.embedded;
    work.reused += batch.length - result.embedded;
    work.tokens += result.tokens;
    options.onEmbedded(done);
    const rows = batch.map((chunk, i) => withEmbeddingHash(options.toRow(chunk, result.vectors[i]), result.hashes[i]));
    try {
      await timer.time('store', () => writer.add(rows));
    } catch (error) {
      throw toIngestionError(error, 'storing');
    }
  };

  try {
    let batch: Chunk[] = [];
    for await (const chunk of chunks) {
      batch.push(chunk);
      if (batch.length < batchSize) continue;
      send(batch);
      batch = [];
      while (outstanding.length >= maxOutstanding || outstanding[0]?.ready) await storeOldest();
    }
    if (batch.length > 0) send(batch);
    options.onAllSent?.(done + outstanding.reduce((sum, pending) => sum + pending.chunks.length, 0));
    while (outstanding.length > 0) await storeOldest();
    return work;
  } catch (error) {
    stop.abort(error);
    throw error;
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The hash goes in last, so no custom metadata key can hide it from the next re-ingestion's lookup. */
function withEmbeddingHash(row: ChunkRow, hash: string): ChunkRow {
  return { ...row, metadata: { ...row.metadata, [STORED_METADATA_KEYS.embeddingHash]: hash } };
}
