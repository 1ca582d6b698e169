import { downloadObject, resolveObject, type DownloadedObject } from '@docingest/gcs-access';
import type { Embedder } from '@docingest/embeddings';
import type { IngestionRun } from '../ingestion-run';
import type { PipelineDeps } from '../pipeline-deps';

/**
 * Downloads the file to a private temporary copy. The path, the model and the table are checked
 * first, so a mismatched model fails in milliseconds and writes nothing.
 */
export async function downloadStage(run: IngestionRun, deps: PipelineDeps): Promise<{ object: DownloadedObject; embedder: Embedder }> {
  const { request } = run;
  run.enter('downloading');
  const ref = resolveObject(request.file_path, deps.resolve);
  const embedder = deps.embedders.get(request.embedding_provider, request.embedding_model, request.embedding_dimensions);
  await deps.vectors.ensureTable(request.vector_table_name, await embedder.resolveDimensions(), request.text_search_language);
  const object = await run.timer.time('download', () => downloadObject(deps.storage, ref, { maxBytes: deps.maxFileBytes, signal: run.signal }));
  return { object, embedder };
}
