export { VectorStore, DEFAULT_INDEX_MIN_ROWS, type VectorStoreOptions, type ReplaceResult, type SearchMode, type SearchOptions } from './vector-store';
export { InvalidTextSearchConfigError, reciprocalRankFusion, RRF_K, type TextSearchConfig } from './text-search';
export { stagedRows } from './staging-table';
export { FileChunkWriter, type FileChunkWriterOptions } from './file-chunk-writer';
export { vectorTable, InvalidTableNameError, type VectorTable } from './vector-table';
export { encodeVector, parseVectorText } from './vector-binary';
export { DimensionMismatchError, type ChunkRow, type FileScope, type SearchFilters, type StoredHit } from './chunk-row';
export { STORED_METADATA_KEYS } from './stored-metadata';
export { StoredEmbeddings, embeddingHash, type EmbeddingSpace } from './stored-embeddings';
