import type { Chunk } from '@docingest/chunking';
import type { Embedder } from '@docingest/embeddings';
import type { ChunkRow, FileChunkWriter } from '@docingest/vector-store';
import { toIngestionError } from '../errors';
import type { StageTimer } from './stage-timer';

export interface EmbedAndStoreOptions {
  embedder: Embedder;
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
}

interface PendingBatch {
  chunks: Chunk[];
  vectors: Promise<Float32Array[]>;
  ready: boolean;
}

/**
 * Embeds chunks in batches as they are cut and hands the rows to the writer in file order.
 * A file keeps the embedder's parallelism plus one batch outstanding: enough to keep every
 * request slot (or worker) busy while the next batch is being cut, and a bound on the memory a
 * file holds whatever its size. Storing never holds up embedding: the writer buffers, or stages
 * in the background. Answers how many chunks were embedded.
 */
export async function embedAndStore(chunks: AsyncIterable<Chunk>, options: EmbedAndStoreOptions): Promise<number> {
  const { embedder, batchSize, writer, timer } = options;
  const maxOutstanding = embedder.parallelism + 1;
  // One failure stops the batches still waiting for the embedder.
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  const outstanding: PendingBatch[] = [];
  let embedded = 0;

  const send = (batch: Chunk[]) => {
    if (embedded === 0 && outstanding.length === 0) options.onEmbeddingStarts();
    const vectors = embedder.embedFloat32(
      batch.map((c) => c.text),
      { signal: stop.signal, batchSize },
    );
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
    const embeddings = await timer.time('embed', () => vectors);
    embedded += batch.length;
    options.onEmbedded(embedded);
    const rows = batch.map((chunk, i) => options.toRow(chunk, embeddings[i]));
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
    while (outstanding.length > 0) await storeOldest();
    return embedded;
  } catch (error) {
    stop.abort(error);
    throw error;
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}
