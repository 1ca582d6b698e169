import type { IngestFileRequest, IngestFileResponse } from '@docingest/contracts';
import { IngestionRun, type RunContext } from './ingestion-run';
import type { PipelineDeps } from './pipeline-deps';
import { downloadStage } from './stages/download.stage';
import { chunkEmbedStage } from './stages/embed.stage';
import { parseStage } from './stages/parse.stage';
import { finishStage, storeStage, unchangedStage } from './stages/store.stage';

export { IngestionFailure, type RunContext } from './ingestion-run';
export type { PipelineDeps } from './pipeline-deps';

/**
 * The whole ingestion of one file, inside one request: download → parse → chunk, embed and
 * write as one stream → swap the new chunks in → final report. Every stage starts at a boundary
 * that stops a file no longer wanted or a service shutting down; progress is reported beside
 * it. Any failure takes the one error path: what was staged is removed, the failure is reported
 * as final, and an IngestionFailure carries the response.
 */
export async function ingestFile(request: IngestFileRequest, deps: PipelineDeps, context: RunContext): Promise<IngestFileResponse> {
  const run = new IngestionRun(request, context);
  try {
    const downloaded = await downloadStage(run, deps);
    if ('unchanged' in downloaded) return await unchangedStage(run, downloaded.unchanged);
    const { object, embedder, stored } = downloaded;
    // The downloaded copy is removed as soon as it has been read, before the swap.
    const { writer, chunks, confirmation } = await parseStage(run, object, deps)
      .then((document) => chunkEmbedStage(run, document, { embedder, stored }, object, deps))
      .finally(() => object.cleanup());
    await storeStage(run, writer, chunks, confirmation);
    return await finishStage(run, chunks, deps);
  } catch (caught) {
    throw await run.fail(caught);
  }
}
