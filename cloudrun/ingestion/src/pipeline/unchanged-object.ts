import type { IngestFileRequest, ObjectVersion } from '@docingest/contracts';
import type { VectorStore } from '@docingest/vector-store';

/**
 * Whether this attempt has nothing to do: the api named the object version of the last completed
 * attempt with the same settings (skip_if_unchanged, left out when forced), the object still is
 * that version (same generation and CRC32C), and that attempt's chunks are still stored. Answers
 * how many chunks are stored, or null when the file must be ingested. A version with chunks gone
 * (deleted by hand, a table emptied) is ingested again rather than reported as done.
 */
export async function storedUnchanged(request: IngestFileRequest, current: ObjectVersion, vectors: VectorStore): Promise<number | null> {
  const previous = request.skip_if_unchanged;
  if (!previous || previous.generation !== current.generation || previous.crc32c !== current.crc32c) return null;
  const stored = await vectors.countFileChunks(request.vector_table_name, { fileUuid: request.file_uuid, knowledgebaseId: request.knowledgebase_id });
  return stored > 0 ? stored : null;
}
