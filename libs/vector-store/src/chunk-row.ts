/** One chunk as it is stored: text, metadata and its embedding. */
export interface ChunkRow {
  nodeId: string;
  text: string;
  embedding: ArrayLike<number>;
  metadata: Record<string, unknown>;
}

/** Which file, in which knowledge base: the unit that is replaced or deleted as a whole. */
export interface FileScope {
  fileUuid: string;
  knowledgebaseId: string;
}

export class DimensionMismatchError extends Error {
  constructor(
    readonly table: string,
    readonly tableDimensions: number,
    readonly modelDimensions: number,
  ) {
    super(
      `the table ${table} holds ${tableDimensions}-dimension vectors but the embedding model gives ${modelDimensions}: ` +
        'use a knowledge base whose model matches, or a new vector table',
    );
    this.name = 'DimensionMismatchError';
  }
}

export interface SearchFilters {
  knowledgebaseId?: string;
  fileUuid?: string;
  teamId?: string | number;
}

export interface StoredHit {
  nodeId: string;
  text: string;
  metadata: Record<string, unknown>;
  /** Cosine similarity: 1 is identical. */
  score: number;
}
