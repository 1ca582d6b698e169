import type { Storage } from '@google-cloud/storage';
import type { IngestFileRequest, IngestFileResponse, IngestionStage } from '@docingest/contracts';
import { downloadObject, resolveObject, type ResolveOptions } from '@docingest/gcs-access';
import type { FileChunkWriter, VectorStore } from '@docingest/vector-store';
import type { IngestionConfig, ParseConfig } from '../config';
import type { EmbedderRegistry } from '../embedder-registry';
import { IngestionError, toIngestionError } from '../errors';
import type { ProgressReporter } from '../progress/progress-reporter';
import { chunkMetadata } from './chunk-metadata';
import { streamChunks } from './chunk-stream';
import { ChunkTotal } from './chunk-total';
import { openDocumentPages } from './document-pages';
import { embedAndStore } from './embed-and-store';
import { StageTimer } from './stage-timer';

export interface PipelineDeps {
  storage: Storage;
  resolve: ResolveOptions;
  maxFileBytes: number;
  embedders: EmbedderRegistry;
  vectors: VectorStore;
  /** The service's settings (the route passes its whole config); absent: the defaults. */
  config?: Partial<Pick<IngestionConfig, 'IN_MEMORY_CHUNKS'> & ParseConfig>;
}

const CANCELLED = {
  removed: 'cancelled: the file was removed from the knowledge base',
  superseded: 'cancelled: a newer attempt of this file started',
} as const;

/** The default of IN_MEMORY_CHUNKS, for callers without a config. */
const DEFAULT_IN_MEMORY_CHUNKS = 1000;

/** A failed ingestion: the error, and what the response reports alongside it. */
export class IngestionFailure extends Error {
  constructor(
    readonly error: IngestionError,
    readonly response: IngestFileResponse,
  ) {
    super(error.message);
    this.name = 'IngestionFailure';
  }
}

/**
 * The whole ingestion of one file, inside one request: resolve → download → parse → chunk →
 * embed → store, with progress reported beside it. Parsing, chunking, embedding and storing run
 * as one stream: the text is read in sections, cut into chunks, embedded in batches and written
 * as the batches come back, so memory does not grow with the file. The file's old chunks are
 * replaced in one transaction at the end. Every outcome, failure included, ends with a final
 * progress report.
 */
export async function ingestFile(request: IngestFileRequest, deps: PipelineDeps, reporter: ProgressReporter, signal: AbortSignal): Promise<IngestFileResponse> {
  return runIngestion(request, deps, reporter, signal);
}

async function runIngestion(request: IngestFileRequest, deps: PipelineDeps, reporter: ProgressReporter, signal: AbortSignal): Promise<IngestFileResponse> {
  const timer = new StageTimer();
  let stage: IngestionStage = 'downloading';
  let pages = 0;
  let pagesSkipped = 0;
  let writer: FileChunkWriter | null = null;
  const response = (outcome: Pick<IngestFileResponse, 'status' | 'chunks' | 'stage' | 'error'>): IngestFileResponse => ({
    file_uuid: request.file_uuid,
    link_id: request.link_id,
    pages,
    pages_skipped: pagesSkipped,
    timings_ms: timer.snapshot(),
    ...outcome,
  });
  // Every stage boundary (and every chunk of the stream) asks: still wanted, still running?
  const checkAborted = () => {
    if (signal.aborted) throw new IngestionError(stage, 503, 'interrupted', 'interrupted: the ingestion service shut down before the file was stored');
    if (reporter.cancelled) throw new IngestionError(stage, 409, 'cancelled', CANCELLED[reporter.cancelled]);
  };

  try {
    reporter.stage('downloading');
    const ref = resolveObject(request.file_path, deps.resolve);
    const embedder = deps.embedders.get(request.embedding_provider, request.embedding_model, request.embedding_dimensions);
    // Checked before any work, so a mismatched model fails in milliseconds and writes nothing.
    await deps.vectors.ensureTable(request.vector_table_name, await embedder.resolveDimensions(), request.text_search_language);

    const object = await timer.time('download', () => downloadObject(deps.storage, ref, { maxBytes: deps.maxFileBytes, signal }));
    let total: ChunkTotal;
    try {
      checkAborted();
      stage = 'parsing';
      reporter.stage('parsing');
      const document = await timer.time('parse', () =>
        openDocumentPages({ path: object.path, fileName: object.fileName, contentType: object.contentType, size: object.size }, deps.config, signal),
      );
      pages = document.pageCount;
      pagesSkipped = document.pagesSkipped;

      checkAborted();
      stage = 'chunking';
      reporter.stage('chunking');
      total = new ChunkTotal(document.expectedChars, request.chunk_overlap / request.chunk_size);
      const file = { fileName: object.fileName, format: document.format, pageCount: document.pageCount };
      const scope = { fileUuid: request.file_uuid, knowledgebaseId: request.knowledgebase_id };
      writer = deps.vectors.fileChunkWriter(request.vector_table_name, scope, { memoryRows: deps.config?.IN_MEMORY_CHUNKS ?? DEFAULT_IN_MEMORY_CHUNKS });
      const chunks = streamChunks(
        document.pages,
        { chunkSize: request.chunk_size, chunkOverlap: request.chunk_overlap, fileUuid: request.file_uuid, knowledgebaseId: request.knowledgebase_id },
        { timer, checkAborted, onChunk: (chunk) => total.add(chunk) },
      );
      const counted = total;
      await embedAndStore(chunks, {
        embedder,
        batchSize: request.batch_size,
        signal,
        writer,
        timer,
        toRow: (chunk, embedding) => ({
          nodeId: chunk.id,
          text: chunk.text,
          embedding,
          metadata: chunkMetadata(request, file, {
            nodeId: chunk.id,
            text: chunk.text,
            index: chunk.index,
            pageNumber: chunk.pageNumber,
            contentHash: chunk.contentHash,
          }),
        }),
        onEmbeddingStarts: () => {
          stage = 'embedding';
          reporter.stage('embedding', counted.total);
        },
        onEmbedded: (done) => reporter.advance('embedding', done, counted.total),
      });
      total.finish();
    } finally {
      await object.cleanup();
    }
    if (total.chunks === 0) throw new IngestionError('chunking', 422, 'no_text', 'no text found in the file');

    checkAborted();
    stage = 'storing';
    const stored = total.chunks;
    // The last boundary before the chunks become searchable waits for the api's answer: a file
    // removed from its knowledge base meanwhile is not stored at all.
    await reporter.confirm('storing', stored);
    checkAborted();
    const activeWriter = writer;
    await timer.time('store', () => activeWriter.commit((done) => reporter.advance('storing', done, stored)));

    const cancel = await reporter.finish({ status: 'completed', chunks: stored });
    timer.add('callbacks', reporter.blockingMs);
    if (cancel === 'removed') {
      // Removed between that answer and the commit: take back what was stored, so no chunk of a
      // removed file stays searchable.
      const deleted = await deps.vectors.deleteFileChunks(request.vector_table_name, { fileUuid: request.file_uuid, knowledgebaseId: request.knowledgebase_id });
      return response({ status: 'failed', chunks: 0, stage: 'storing', error: `${CANCELLED.removed}; the ${deleted} chunks stored just before were deleted` });
    }
    return response({ status: 'completed', chunks: stored });
  } catch (caught) {
    await writer?.discard().catch(() => undefined);
    // An abort is the service shutting down, whatever stage noticed it first.
    const error =
      signal.aborted && !(caught instanceof IngestionError && caught.code === 'interrupted')
        ? new IngestionError(stage, 503, 'interrupted', 'interrupted: the ingestion service shut down before the file was stored', { cause: caught })
        : toIngestionError(caught, stage);
    await reporter.finish({ status: 'failed', error: error.message, stage: error.stage ?? stage });
    timer.add('callbacks', reporter.blockingMs);
    throw new IngestionFailure(error, response({ status: 'failed', chunks: 0, stage: error.stage ?? stage, error: error.message }));
  }
}
