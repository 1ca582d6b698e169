/*
 * Imports from a gs:// prefix (docs/data-model.md): the import, one row per object it listed,
 * and on files the object generation an imported file was registered at. One imported file per
 * object (bucket and name, i.e. storage_path): a new generation re-queues that file rather than
 * adding a second one beside it (the unique index, built by a later migration).
 */
exports.up = (pgm) => {
  pgm.addColumn('files', { source_generation: { type: 'text' } });
  // Its indexes on files (one per object, and the lookup by storage_path) are built CONCURRENTLY,
  // outside a transaction, by 1764950000000_files-storage-path-indexes-concurrently.

  pgm.createTable('imports', {
    id: { type: 'uuid', primaryKey: true, default: pgm.func('gen_random_uuid()') },
    knowledgebase_id: { type: 'varchar(64)', notNull: true, references: 'knowledge_bases', onDelete: 'CASCADE' },
    gcs_uri: { type: 'text', notNull: true },
    bucket: { type: 'text', notNull: true },
    prefix: { type: 'text', notNull: true },
    include: { type: 'jsonb', notNull: true, default: pgm.func("'[]'::jsonb") },
    exclude: { type: 'jsonb', notNull: true, default: pgm.func("'[]'::jsonb") },
    status: { type: 'varchar(16)', notNull: true, default: 'listing', check: "status IN ('listing', 'running', 'completed', 'failed')" },
    pages_listed: { type: 'integer', notNull: true, default: 0 },
    next_page_token: { type: 'text' },
    error: { type: 'text' },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
    listed_at: { type: 'timestamptz' },
    // Time spent reading listing pages, summed over the pages.
    listing_ms: { type: 'integer', notNull: true, default: 0 },
    completed_at: { type: 'timestamptz' },
  });
  pgm.createIndex('imports', ['knowledgebase_id', 'created_at']);

  pgm.createTable(
    'import_items',
    {
      import_id: { type: 'uuid', notNull: true, references: 'imports', onDelete: 'CASCADE' },
      object_name: { type: 'text', notNull: true },
      generation: { type: 'text', notNull: true },
      file_uuid: { type: 'uuid', notNull: true, references: 'files', onDelete: 'CASCADE' },
      link_id: { type: 'integer', references: 'file_knowledge_base_links', onDelete: 'SET NULL' },
      // The attempt this import queued or found running; null when skipped unchanged.
      attempt: { type: 'integer' },
      outcome: { type: 'varchar(20)', notNull: true, check: "outcome IN ('skipped_unchanged', 'queued')" },
    },
    { constraints: { primaryKey: ['import_id', 'object_name'] } },
  );
};

exports.down = (pgm) => {
  pgm.dropTable('import_items');
  pgm.dropTable('imports');
  pgm.dropColumn('files', 'source_generation');
};
