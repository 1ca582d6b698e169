import type { Storage } from '@google-cloud/storage';
import type { ResolveOptions } from '@docingest/gcs-access';
import type { VectorStore } from '@docingest/vector-store';
import type { IngestionConfig, ParseConfig } from '../config';
import type { EmbedderRegistry } from '../embedder-registry';

/** What the pipeline's stages use from the service. */
export interface PipelineDeps {
  storage: Storage;
  resolve: ResolveOptions;
  maxFileBytes: number;
  embedders: EmbedderRegistry;
  vectors: VectorStore;
  /** Ingestions running in this process (the route passes its own); absent: this one alone. */
  inflight?: { readonly size: number };
  /** The service's settings (the route passes its whole config); absent: the defaults. */
  config?: Partial<Pick<IngestionConfig, 'IN_MEMORY_CHUNKS' | 'DOWNLOAD_IN_MEMORY_MAX_BYTES'> & ParseConfig>;
}
