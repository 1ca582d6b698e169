/**
 * Vertex AI text-embedding models the `google` provider accepts, with the limits Vertex AI sets
 * for them: the api checks a knowledge base against this table, the embedder plans its
 * requests by it. Every model takes at most 2,048 tokens per text and 20,000 per request.
 */
export interface VertexEmbeddingModel {
  /** Native vector size; outputDimensionality may ask for fewer. */
  dimensions: number;
  /** Texts one request may carry. */
  maxTextsPerRequest: number;
}

export const VERTEX_EMBEDDING_MODELS: Readonly<Record<string, VertexEmbeddingModel>> = {
  'text-embedding-005': { dimensions: 768, maxTextsPerRequest: 250 },
  'text-multilingual-embedding-002': { dimensions: 768, maxTextsPerRequest: 250 },
  'gemini-embedding-001': { dimensions: 3072, maxTextsPerRequest: 1 },
};

export const VERTEX_MAX_TOKENS_PER_TEXT = 2048;
export const VERTEX_MAX_TOKENS_PER_REQUEST = 20_000;
