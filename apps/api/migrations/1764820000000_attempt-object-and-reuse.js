/*
 * Re-ingestion that does only what changed (docs/wire-contract.md#re-ingestion):
 * - object_generation / object_crc32c: the GCS object version the current attempt read, from the
 *   service's final report (or its answer).
 * - chunks_embedded / chunks_reused / embedding_tokens: what the current attempt sent to the
 *   embedder, what took a stored vector, and the tokens sent.
 * - forced: the attempt was started with force: true; it is never skipped as unchanged.
 * - completed_object: the object version and settings of the last completed attempt, kept while
 *   later attempts run: an attempt whose object is still that version, with the same settings, is
 *   answered at once by the service, with nothing embedded or stored.
 */
exports.up = (pgm) => {
  pgm.addColumns('file_knowledge_base_links', {
    object_generation: { type: 'text' },
    object_crc32c: { type: 'varchar(16)' },
    chunks_embedded: { type: 'integer' },
    chunks_reused: { type: 'integer' },
    embedding_tokens: { type: 'integer' },
    forced: { type: 'boolean', notNull: true, default: false },
    completed_object: { type: 'jsonb' },
  });
};

exports.down = (pgm) => {
  pgm.dropColumns('file_knowledge_base_links', [
    'object_generation',
    'object_crc32c',
    'chunks_embedded',
    'chunks_reused',
    'embedding_tokens',
    'forced',
    'completed_object',
  ]);
};
