export { chunkDocument, chunkDocumentAsync, DocumentChunker, type Chunk, type ChunkAsyncOptions, type ChunkOptions, type PageText } from './chunk-document';
export { ChunkSettingsError, MIN_CHUNK_SIZE, validateChunkSettings } from './chunk-settings';
export { chunkId, contentHash, CHUNK_ID_NAMESPACE, type ChunkIdentity } from './chunk-identity';
export { countTokens, cl100kTokenizer, type Tokenizer } from './token-counter';
export { LinearSentenceSplitter } from './linear-sentence-splitter';
export { SentenceBoundaries } from './sentence-boundaries';
export { joinedTokenCount, type CountedPiece } from './chunk-tokens';
