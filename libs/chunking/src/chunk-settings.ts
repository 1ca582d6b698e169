import { chunkOverlapProblem } from '@docingest/contracts';

/** Chunk settings that cannot work, named as the request fields are. */
export class ChunkSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkSettingsError';
  }
}

/** Below this a single emoji or CJK character (up to 4 tokens) could not fit in a chunk. */
export const MIN_CHUNK_SIZE = 16;

export function validateChunkSettings(chunkSize: number, chunkOverlap: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE) {
    throw new ChunkSettingsError(`chunk_size must be an integer of at least ${MIN_CHUNK_SIZE} tokens, not ${chunkSize}`);
  }
  if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0) {
    throw new ChunkSettingsError(`chunk_overlap must be an integer of zero or more tokens, not ${chunkOverlap}`);
  }
  const overlapProblem = chunkOverlapProblem(chunkSize, chunkOverlap);
  if (overlapProblem) throw new ChunkSettingsError(overlapProblem);
}
