import type { Embedder } from '@docingest/embeddings';
import type { FileChunkWriter, StoredEmbeddings } from '@docingest/vector-store';
import { IngestionError } from '../../errors';
import { chunkMetadata } from '../chunk-metadata';
import { streamChunks } from '../chunk-stream';
import { ChunkTotal } from '../chunk-total';
import type { DocumentPages } from '../document-pages';
import { embedAndStore } from '../embed-and-store';
import type { IngestionRun } from '../ingestion-run';
import type { PipelineDeps } from '../pipeline-deps';

/** The default of IN_MEMORY_CHUNKS, for callers without a config. */
const DEFAULT_IN_MEMORY_CHUNKS = 1000;

/**
 * Chunking, embedding and writing as one stream: the text is cut into chunks as it is read,
 * embedded in batches and handed to the file's writer as the batches come back, so memory does
 * not grow with the file. Nothing is visible yet: the writer holds or stages the new set until
 * the store stage commits it (and removes what it staged if the run fails).
 */
export async function chunkEmbedStage(
  run: IngestionRun,
  document: DocumentPages,
  { embedder, stored }: { embedder: Embedder; stored: Promise<StoredEmbeddings> },
  file: { fileName: string },
  deps: PipelineDeps,
): Promise<{ writer: FileChunkWriter; chunks: number; confirmation: Promise<unknown> | null }> {
  const { request, reporter } = run;
  run.enter('chunking');
  const total = new ChunkTotal(document.expectedChars, request.chunk_overlap / request.chunk_size);
  const facts = { fileName: file.fileName, format: document.format, pageCount: document.pageCount };
  const scope = { fileUuid: request.file_uuid, knowledgebaseId: request.knowledgebase_id };
  const writer = deps.vectors.fileChunkWriter(request.vector_table_name, scope, {
    memoryRows: deps.config?.IN_MEMORY_CHUNKS ?? DEFAULT_IN_MEMORY_CHUNKS,
    // The moment from which a crash or a lost connection rolls the swap back (the fault suite waits for it).
    onSwapOpened: ({ rows, staged }) => run.log('store.swap_opened', { attempt: request.attempt, rows, staged }),
  });
  run.onFailure(() => writer.discard());
  let confirmation: Promise<unknown> | null = null;
  const chunks = streamChunks(
    document.pages,
    { chunkSize: request.chunk_size, chunkOverlap: request.chunk_overlap, fileUuid: request.file_uuid, knowledgebaseId: request.knowledgebase_id },
    { timer: run.timer, checkAborted: run.checkAborted, onChunk: (chunk) => total.add(chunk) },
  );
  const work = await embedAndStore(chunks, {
    embedder,
    stored,
    batchSize: request.batch_size,
    signal: run.signal,
    writer,
    timer: run.timer,
    toRow: (chunk, embedding) => ({
      nodeId: chunk.id,
      text: chunk.text,
      embedding,
      metadata: chunkMetadata(request, facts, {
        nodeId: chunk.id,
        text: chunk.text,
        index: chunk.index,
        pageNumber: chunk.pageNumber,
        contentHash: chunk.contentHash,
      }),
    }),
    // A file alone has the database idle while its vectors are out: the full-text values are
    // computed then. With other files in flight the database is busy, and one statement fewer is cheaper.
    prepareTextSearch: () => (deps.inflight?.size ?? 1) <= 1,
    onEmbeddingStarts: () => run.enter('embedding', { totalChunks: total.total }),
    onEmbedded: (done) => reporter.advance('embedding', done, total.total),
    // The storing boundary's report goes out while the file's last vectors are on their way: its
    // answer is awaited before the swap all the same (see storeStage).
    onAllSent: (count) => {
      if (count > 0 && !reporter.cancelled) confirmation = reporter.confirm('storing', count);
    },
  });
  total.finish();
  run.recordWork({ chunks_embedded: work.embedded, chunks_reused: work.reused, embedding_tokens: work.tokens });
  if (total.chunks === 0) throw new IngestionError('chunking', 422, 'no_text', 'no text found in the file');
  return { writer, chunks: total.chunks, confirmation };
}
