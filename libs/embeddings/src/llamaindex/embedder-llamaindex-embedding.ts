import type { MessageContentDetail } from '@llamaindex/core/llms';
import { extractSingleText } from '@llamaindex/core/utils';
import { BaseEmbedding } from '@llamaindex/core/embeddings';
import type { Embedder } from '../embedder';

export interface LlamaIndexEmbeddingOptions {
  /**
   * Texts LlamaIndex hands over per call; it awaits each call before the next (default 10, its
   * own default). Raise it to let the Embedder's batching and parallelism see more at once.
   */
  embedBatchSize?: number;
}

/** A LlamaIndex embedding model backed by an Embedder, so LlamaIndex pipelines use the same vectors. */
export class EmbedderLlamaIndexEmbedding extends BaseEmbedding {
  constructor(
    readonly embedder: Embedder,
    options: LlamaIndexEmbeddingOptions = {},
  ) {
    super();
    this.embedBatchSize = options.embedBatchSize ?? 10;
    if (embedder.dimensions !== undefined) this.embedInfo = { dimensions: embedder.dimensions };
    // BaseEmbedding's constructor assigns a one-text-at-a-time getTextEmbeddings on the instance,
    // which would shadow a method of this class: replace it here, after super().
    this.getTextEmbeddings = (texts: string[]) => this.embedder.embed(texts);
  }

  async getTextEmbedding(text: string): Promise<number[]> {
    const [vector] = await this.embedder.embed([text]);
    return vector;
  }

  /** A query is embedded as one (Vertex AI's RETRIEVAL_QUERY), not as a passage to store. */
  async getQueryEmbedding(query: MessageContentDetail): Promise<number[] | null> {
    const text = extractSingleText(query);
    if (!text) return null;
    const [vector] = await this.embedder.embed([text], { purpose: 'query' });
    return vector;
  }
}
