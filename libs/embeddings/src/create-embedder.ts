import type { Embedder } from './embedder';
import { EmbeddingConfigError } from './errors';
import { LocalEmbedder, type LocalEmbedderConfig } from './local/local-embedder';
import { OpenAIEmbedder, type OpenAIEmbedderConfig } from './openai/openai-embedder';
import { VertexEmbedder, type VertexEmbedderConfig } from './google/vertex-embedder';

export type EmbedderConfig = LocalEmbedderConfig | OpenAIEmbedderConfig | VertexEmbedderConfig;

/** The embedder for a provider and model; throws EmbeddingConfigError for a configuration that cannot work. */
export function createEmbedder(config: EmbedderConfig): Embedder {
  switch (config.provider) {
    case 'local':
      return new LocalEmbedder(config);
    case 'openai':
      return new OpenAIEmbedder(config);
    case 'google':
      return new VertexEmbedder(config);
    default:
      throw new EmbeddingConfigError(undefined, `unknown embedding provider '${String((config as { provider?: unknown }).provider)}': use 'local', 'openai' or 'google'`);
  }
}
