import type { Storage } from '@google-cloud/storage';
import type { IngestFileRequest, IngestFileResponse, IngestionStage } from '@docingest/contracts';
import { downloadObject, resolveObject, type ResolveOptions } from '@docingest/gcs-access';
import { parseDocument } from '@docingest/document-parsing';
import { chunkDocument } from '@docingest/chunking';
import type { VectorStore } from '@docingest/vector-store';
import type { EmbedderRegistry } from '../embedder-registry';
import { IngestionError, toIngestionError } from '../errors';
import type { ProgressReporter } from '../progress/progress-reporter';
import { chunkMetadata } from './chunk-metadata';
import { StageTimer } from './stage-timer';

export interface PipelineDeps {
  storage: Storage;
  resolve: ResolveOptions;
  maxFileBytes: number;
  embedders: EmbedderRegistry;
  vectors: VectorStore;
}

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
 * The whole ingestion of one file, inside one request:
 * resolve → download → parse → chunk → embed → store, with progress reported beside it.
 * Every outcome, failure included, ends with a final progress report.
 */
export async function ingestFile(
  request: IngestFileRequest,
  deps: PipelineDeps,
  reporter: ProgressReporter,
  signal: AbortSignal,
): Promise<IngestFileResponse> {
  const timer = new StageTimer();
  let stage: IngestionStage = 'downloading';
  let pages = 0;
  let pagesSkipped = 0;
  const checkAborted = () => {
    if (signal.aborted) throw new IngestionError(stage, 503, 'interrupted', 'interrupted: the ingestion service shut down before the file was stored');
  };

  try {
    reporter.stage('downloading');
    const ref = resolveObject(request.file_path, deps.resolve);
    const embedder = deps.embedders.get(request.embedding_provider, request.embedding_model);
    // Checked before any work, so a mismatched model fails in milliseconds and writes nothing.
    await deps.vectors.ensureTable(request.vector_table_name, await embedder.resolveDimensions());

    const object = await timer.time('download', () => downloadObject(deps.storage, ref, { maxBytes: deps.maxFileBytes, signal }));
    let chunks;
    let document;
    try {
      checkAborted();
      stage = 'parsing';
      reporter.stage('parsing');
      document = await timer.time('parse', () =>
        parseDocument({ path: object.path, fileName: object.fileName, contentType: object.contentType }),
      );
      pages = document.pageCount;
      pagesSkipped = document.pagesSkipped;

      checkAborted();
      stage = 'chunking';
      reporter.stage('chunking');
      chunks = await timer.time('chunk', () =>
        chunkDocument(document!.pages, {
          chunkSize: request.chunk_size,
          chunkOverlap: request.chunk_overlap,
          fileUuid: request.file_uuid,
          knowledgebaseId: request.knowledgebase_id,
        }),
      );
    } finally {
      await object.cleanup();
    }
    if (chunks.length === 0) throw new IngestionError('chunking', 422, 'no_text', 'no text found in the file');

    checkAborted();
    stage = 'embedding';
    reporter.stage('embedding', chunks.length);
    const embeddings = await timer.time('embed', () =>
      embedder.embed(
        chunks.map((c) => c.text),
        { signal, batchSize: request.batch_size, onProgress: (done) => reporter.advance('embedding', done, chunks.length) },
      ),
    );

    checkAborted();
    stage = 'storing';
    reporter.stage('storing', chunks.length);
    const file = { fileName: object.fileName, format: document.format, pageCount: document.pageCount };
    const rows = chunks.map((chunk, i) => ({
      nodeId: chunk.id,
      text: chunk.text,
      embedding: embeddings[i],
      metadata: chunkMetadata(request, file, { nodeId: chunk.id, text: chunk.text, index: chunk.index, pageNumber: chunk.pageNumber, contentHash: chunk.contentHash }),
    }));
    await timer.time('store', () =>
      deps.vectors.replaceFileChunks(
        request.vector_table_name,
        { fileUuid: request.file_uuid, knowledgebaseId: request.knowledgebase_id },
        rows,
        (stored) => reporter.advance('storing', stored, rows.length),
      ),
    );

    await reporter.finish({ status: 'completed', chunks: rows.length });
    timer.add('callbacks', reporter.blockingMs);
    return {
      status: 'completed',
      file_uuid: request.file_uuid,
      link_id: request.link_id,
      chunks: rows.length,
      pages,
      pages_skipped: pagesSkipped,
      timings_ms: timer.snapshot(),
    };
  } catch (caught) {
    const error = toIngestionError(caught, stage);
    await reporter.finish({ status: 'failed', error: error.message, stage: error.stage ?? stage });
    timer.add('callbacks', reporter.blockingMs);
    throw new IngestionFailure(error, {
      status: 'failed',
      file_uuid: request.file_uuid,
      link_id: request.link_id,
      chunks: 0,
      pages,
      pages_skipped: pagesSkipped,
      timings_ms: timer.snapshot(),
      stage: error.stage ?? stage,
      error: error.message,
    });
  }
}
