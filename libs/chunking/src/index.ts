export { chunkDocument, ChunkSettingsError, type Chunk, type ChunkOptions, type PageText } from './chunk-document';
export { countTokens, cl100kTokenizer } from './token-counter';
