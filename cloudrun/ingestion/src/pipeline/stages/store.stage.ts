import type { IngestFileResponse } from '@docingest/contracts';
import type { FileChunkWriter } from '@docingest/vector-store';
import { CANCELLED, type IngestionRun } from '../ingestion-run';
import type { PipelineDeps } from '../pipeline-deps';

/**
 * Swaps the file's new chunks in for its old ones, in one transaction. The boundary before the
 * chunks become searchable waits for the api's answer: a file removed from its knowledge base
 * meanwhile is not stored at all. `confirmation` is that report when it was sent ahead, while the
 * last vectors were out (chunkEmbedStage).
 */
export async function storeStage(run: IngestionRun, writer: FileChunkWriter, chunks: number, confirmation: Promise<unknown> | null = null): Promise<void> {
  const { reporter } = run;
  run.enter('storing', { quiet: true });
  await run.timer.time('callbacks', () => confirmation ?? reporter.confirm('storing', chunks));
  run.checkAborted();
  await run.timer.time('store', () => writer.commit((done) => reporter.advance('storing', done, chunks)));
}

/** The final report of a file whose object had not changed: its stored chunks stay as they are. */
export async function unchangedStage(run: IngestionRun, chunks: number): Promise<IngestFileResponse> {
  run.recordWork({ skipped: 'unchanged', chunks_embedded: 0, chunks_reused: 0, embedding_tokens: 0 });
  await run.finish(chunks);
  return run.response({ status: 'completed', chunks });
}

/**
 * The final report of a stored file. A file removed between the api's last answer and the
 * commit has what was stored taken back, so no chunk of a removed file stays searchable.
 */
export async function finishStage(run: IngestionRun, chunks: number, deps: PipelineDeps): Promise<IngestFileResponse> {
  const cancel = await run.finish(chunks);
  if (cancel !== 'removed') return run.response({ status: 'completed', chunks });
  const { request } = run;
  const deleted = await deps.vectors.deleteFileChunks(request.vector_table_name, { fileUuid: request.file_uuid, knowledgebaseId: request.knowledgebase_id });
  run.log('ingest.removed_after_store', { deleted });
  return run.response({ status: 'failed', chunks: 0, stage: 'storing', error: `${CANCELLED.removed}; the ${deleted} chunks stored just before were deleted` });
}
