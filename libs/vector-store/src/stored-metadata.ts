/**
 * The metadata keys the store's own queries read: removal and counts are scoped by file and
 * knowledge base, search filters by those and the team, and a re-ingestion finds the vectors it
 * can reuse by the embedding hash (embeddingHash). Whatever writes chunks stores these facts
 * under these names (and lets no custom key overwrite them), or the queries find nothing.
 */
export const STORED_METADATA_KEYS = {
  fileUuid: 'file_uuid',
  knowledgebaseId: 'knowledgebase_id',
  teamId: 'team_id',
  embeddingHash: 'embedding_hash',
} as const;

/** SQL reading one stored metadata key as text. */
export const metadataText = (key: (typeof STORED_METADATA_KEYS)[keyof typeof STORED_METADATA_KEYS]) => `metadata_->>'${key}'`;
