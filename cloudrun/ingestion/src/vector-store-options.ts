import type { VectorStoreOptions } from '@docingest/vector-store';
import type { IngestionConfig } from './config';

/** The vector store's options as the service's configuration gives them (as embedderSettings does for the embedders). */
export function vectorStoreOptions(config: IngestionConfig): VectorStoreOptions {
  return {
    schema: config.VECTOR_SCHEMA,
    // The config's choices are exactly these two.
    index: config.VECTOR_INDEX as 'hnsw' | 'none',
    indexMinRows: config.VECTOR_INDEX_MIN_ROWS,
    efSearch: config.VECTOR_EF_SEARCH,
    exactMaxRows: config.VECTOR_EXACT_MAX_ROWS,
  };
}
