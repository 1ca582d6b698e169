/* The app tables: knowledge bases, files, and the link between them that carries ingestion status. */
exports.up = (pgm) => {
  pgm.createTable('knowledge_bases', {
    knowledgebase_id: { type: 'varchar(64)', primaryKey: true },
    name: { type: 'text', notNull: true },
    vector_table_name: { type: 'varchar(58)', notNull: true },
    embedding_provider: { type: 'varchar(16)', notNull: true },
    embedding_model: { type: 'text', notNull: true },
    embedding_dimensions: { type: 'integer' },
    chunk_size: { type: 'integer', notNull: true, default: 1000 },
    chunk_overlap: { type: 'integer', notNull: true, default: 200 },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
    updated_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });
  pgm.addConstraint('knowledge_bases', 'knowledge_bases_overlap_below_size', 'CHECK (chunk_overlap < chunk_size)');

  pgm.createTable('files', {
    uuid: { type: 'uuid', primaryKey: true },
    title: { type: 'text', notNull: true },
    storage_path: { type: 'text', notNull: true },
    content_type: { type: 'text' },
    size: { type: 'bigint', notNull: true },
    user_uuid: { type: 'text' },
    team_id: { type: 'text' },
    project_id: { type: 'text' },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
    updated_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });

  pgm.createTable('file_knowledge_base_links', {
    id: 'id',
    file_uuid: { type: 'uuid', notNull: true, references: 'files', onDelete: 'CASCADE' },
    knowledgebase_id: { type: 'varchar(64)', notNull: true, references: 'knowledge_bases', onDelete: 'CASCADE' },
    ingestion_status: { type: 'varchar(16)', notNull: true, default: 'not_started' },
    ingestion_progress: { type: 'real', notNull: true, default: 0 },
    processed_docs: { type: 'integer', notNull: true, default: 0 },
    total_docs: { type: 'integer', notNull: true, default: 0 },
    chunk_count: { type: 'integer' },
    current_stage: { type: 'varchar(16)' },
    ingestion_error: { type: 'text' },
    ingestion_started_at: { type: 'timestamptz' },
    ingestion_completed_at: { type: 'timestamptz' },
    last_progress_at: { type: 'timestamptz' },
    attempt: { type: 'integer', notNull: true, default: 0 },
    embedding_model: { type: 'text' },
    chunk_size: { type: 'integer' },
    chunk_overlap: { type: 'integer' },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });
  pgm.addConstraint('file_knowledge_base_links', 'links_status_known', "CHECK (ingestion_status IN ('not_started','pending','processing','completed','failed'))");
  pgm.addConstraint('file_knowledge_base_links', 'links_one_per_pair', 'UNIQUE (file_uuid, knowledgebase_id)');
  pgm.createIndex('file_knowledge_base_links', 'knowledgebase_id');
  // The sweeper looks only at processing links.
  pgm.createIndex('file_knowledge_base_links', 'last_progress_at', { where: "ingestion_status = 'processing'", name: 'links_processing_idx' });
};

exports.down = (pgm) => {
  pgm.dropTable('file_knowledge_base_links');
  pgm.dropTable('files');
  pgm.dropTable('knowledge_bases');
};
