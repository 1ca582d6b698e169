import { createEmbedder, type Embedder } from '@docingest/embeddings';
import type { EmbeddingProvider } from '@docingest/contracts';
import { IngestionError } from './errors';

export interface EmbedderSettings {
  localWorkers: number;
  openai: { apiKey: string; baseURL: string; maxInFlight: number };
}

/**
 * One embedder per provider and model, shared by every request: the local model loads once
 * into its worker pool, and remote providers share one concurrency limit.
 */
export class EmbedderRegistry {
  private readonly embedders = new Map<string, Embedder>();

  constructor(private readonly settings: EmbedderSettings) {}

  get(provider: EmbeddingProvider, model: string): Embedder {
    const key = `${provider}:${model}`;
    let embedder = this.embedders.get(key);
    if (!embedder) {
      embedder = this.create(provider, model);
      this.embedders.set(key, embedder);
    }
    return embedder;
  }

  private create(provider: EmbeddingProvider, model: string): Embedder {
    try {
      if (provider === 'openai') {
        if (!this.settings.openai.apiKey) {
          throw new IngestionError('embedding', 400, 'provider_not_configured', 'embedding_provider openai is not configured on this service (OPENAI_API_KEY is empty)', { field: 'embedding_provider' });
        }
        return createEmbedder({ provider: 'openai', model, apiKey: this.settings.openai.apiKey, baseURL: this.settings.openai.baseURL, maxInFlight: this.settings.openai.maxInFlight });
      }
      return createEmbedder({ provider: 'local', model, workers: this.settings.localWorkers || undefined });
    } catch (error) {
      if (error instanceof IngestionError) throw error;
      throw new IngestionError('embedding', 400, 'unknown_model', (error as Error).message, { field: 'embedding_model' });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.embedders.values()].map((e) => e.close()));
    this.embedders.clear();
  }
}
