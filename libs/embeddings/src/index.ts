import type { Embedder } from './embedder';
import type { EmbedderLlamaIndexEmbedding, LlamaIndexEmbeddingOptions } from './llamaindex/embedder-llamaindex-embedding';

export type { Embedder, EmbedOptions, EmbeddingProvider } from './embedder';
export { createEmbedder, type EmbedderConfig } from './create-embedder';
export { LocalEmbedder, type LocalEmbedderConfig } from './local/local-embedder';
export { OpenAIEmbedder, type OpenAIEmbedderConfig } from './openai/openai-embedder';
export { VertexEmbedder, type VertexEmbedderConfig } from './google/vertex-embedder';
export * from './errors';
export type { EmbedderLlamaIndexEmbedding, LlamaIndexEmbeddingOptions } from './llamaindex/embedder-llamaindex-embedding';

/**
 * The Embedder as a LlamaIndex BaseEmbedding. Loaded on first use, so services that never
 * touch LlamaIndex do not pay for loading it.
 */
export function toLlamaIndexEmbedding(embedder: Embedder, options?: LlamaIndexEmbeddingOptions): EmbedderLlamaIndexEmbedding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EmbedderLlamaIndexEmbedding } = require('./llamaindex/embedder-llamaindex-embedding') as typeof import('./llamaindex/embedder-llamaindex-embedding');
  return new EmbedderLlamaIndexEmbedding(embedder, options);
}
