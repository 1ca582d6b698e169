import { createEmbedder, type Embedder } from '@docingest/embeddings';
import type { EmbeddingProvider } from '@docingest/contracts';
import type { IngestionConfig } from './config';
import { IngestionError } from './errors';

export interface EmbedderSettings {
  localWorkers: number;
  openai: { apiKey: string; baseURL: string; maxInFlight: number };
  google: { project: string; location: string; apiEndpoint: string; maxInFlight: number };
}

/** The registry's settings as the service's configuration gives them. */
export function embedderSettings(config: IngestionConfig): EmbedderSettings {
  return {
    localWorkers: config.EMBEDDING_WORKERS,
    openai: { apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, maxInFlight: config.OPENAI_MAX_IN_FLIGHT },
    google: {
      project: config.GOOGLE_CLOUD_PROJECT,
      location: config.GOOGLE_CLOUD_LOCATION,
      apiEndpoint: config.VERTEX_API_ENDPOINT,
      maxInFlight: config.VERTEX_MAX_IN_FLIGHT,
    },
  };
}

/**
 * One embedder per provider, model and size, shared by every request: the local model loads
 * once into its worker pool, and remote providers share one concurrency limit.
 */
export class EmbedderRegistry {
  private readonly embedders = new Map<string, Embedder>();

  constructor(private readonly settings: EmbedderSettings) {}

  /** `dimensions`: the knowledge base's vector size, asked of a model that can shorten its vectors. */
  get(provider: EmbeddingProvider, model: string, dimensions?: number | null): Embedder {
    const key = `${provider}:${model}:${dimensions ?? ''}`;
    let embedder = this.embedders.get(key);
    if (!embedder) {
      embedder = this.create(provider, model, dimensions ?? undefined);
      this.embedders.set(key, embedder);
    }
    return embedder;
  }

  private create(provider: EmbeddingProvider, model: string, dimensions: number | undefined): Embedder {
    try {
      if (provider === 'google') {
        const google = this.settings.google;
        if (!google.project) {
          throw new IngestionError(
            'embedding',
            400,
            'provider_not_configured',
            'embedding_provider google is not configured on this service (GOOGLE_CLOUD_PROJECT is empty)',
            { field: 'embedding_provider' },
          );
        }
        return createEmbedder({
          provider: 'google',
          model,
          dimensions,
          project: google.project,
          location: google.location,
          apiEndpoint: google.apiEndpoint || undefined,
          maxInFlight: google.maxInFlight,
        });
      }
      if (provider === 'openai') {
        if (!this.settings.openai.apiKey) {
          throw new IngestionError('embedding', 400, 'provider_not_configured', 'embedding_provider openai is not configured on this service (OPENAI_API_KEY is empty)', {
            field: 'embedding_provider',
          });
        }
        return createEmbedder({
          provider: 'openai',
          model,
          apiKey: this.settings.openai.apiKey,
          baseURL: this.settings.openai.baseURL,
          maxInFlight: this.settings.openai.maxInFlight,
        });
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
