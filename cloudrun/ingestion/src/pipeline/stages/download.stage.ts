import { downloadObject, resolveObject, statObject, type DownloadedObject, type ObjectStat } from '@docingest/gcs-access';
import type { Embedder } from '@docingest/embeddings';
import type { StoredEmbeddings } from '@docingest/vector-store';
import type { IngestionRun } from '../ingestion-run';
import type { PipelineDeps } from '../pipeline-deps';
import { storedUnchanged } from '../unchanged-object';

/**
 * Downloads the file, in one request to GCS: into memory when it is small
 * (DOWNLOAD_IN_MEMORY_MAX_BYTES), else to a private temporary copy; its size, type, name and
 * version come from the download's own headers. The path, the model and the table are checked
 * first, so a mismatched model fails in milliseconds and writes nothing.
 *
 * Only an attempt the api may skip (skip_if_unchanged) reads the object's metadata first: an
 * object that is still that version, its chunks stored, is not downloaded at all, and the answer
 * is how many chunks it has; neither the embedder nor the file is touched.
 *
 * The file's stored vectors (what a re-ingestion reuses) are looked up while it downloads and
 * parses, so the lookup is off the path to the first embedding request.
 */
export async function downloadStage(
  run: IngestionRun,
  deps: PipelineDeps,
): Promise<{ object: DownloadedObject; embedder: Embedder; stored: Promise<StoredEmbeddings> } | { unchanged: number }> {
  const { request } = run;
  run.enter('downloading');
  const ref = resolveObject(request.file_path, deps.resolve);
  let stat: ObjectStat | undefined;
  if (request.skip_if_unchanged) {
    stat = await run.timer.time('download', () => statObject(deps.storage, ref));
    run.recordWork({ object: stat.version });
    const unchanged = await storedUnchanged(request, stat.version, deps.vectors);
    if (unchanged !== null) return { unchanged };
  }
  const embedder = deps.embedders.get(request.embedding_provider, request.embedding_model, request.embedding_dimensions);
  await deps.vectors.ensureTable(request.vector_table_name, await embedder.resolveDimensions(), request.text_search_language);
  const stored = deps.vectors.storedEmbeddings(request.vector_table_name, { fileUuid: request.file_uuid, knowledgebaseId: request.knowledgebase_id });
  // Awaited by the first batch; a download that fails first must not leave it unhandled.
  stored.catch(() => undefined);
  const object = await run.timer.time('download', () =>
    downloadObject(deps.storage, ref, { maxBytes: deps.maxFileBytes, inMemoryMaxBytes: deps.config?.DOWNLOAD_IN_MEMORY_MAX_BYTES, signal: run.signal }, stat),
  );
  // The version of the bytes read: the one a later attempt may be skipped at.
  run.recordWork({ object: object.version });
  return { object, embedder, stored };
}
