export { VectorStore, DEFAULT_INDEX_MIN_ROWS, type VectorStoreOptions, type ReplaceResult } from './vector-store';
export { FileChunkWriter, type FileChunkWriterOptions } from './file-chunk-writer';
export { vectorTable, InvalidTableNameError, type VectorTable } from './vector-table';
export { encodeVector, parseVectorText } from './vector-binary';
export { DimensionMismatchError, type ChunkRow, type FileScope, type SearchFilters, type StoredHit } from './chunk-row';
