/*
 * The two indexes on files that imports use (docs/data-model.md), built CONCURRENTLY so that a large
 * files table keeps taking writes while they are built (a plain CREATE INDEX holds off every
 * INSERT, UPDATE and DELETE of files until it is done). 1764800000000_imports built them inside its
 * transaction before; a database migrated then has them already (IF NOT EXISTS).
 *
 * CONCURRENTLY cannot run in a transaction: noTransaction() has node-pg-migrate commit what ran
 * before this migration, run its statements one by one, mark it as run, and open a new
 * transaction for the migrations after it. A concurrent build that was interrupted (a crash, a
 * deploy, a duplicate that breaks the unique index) leaves its index INVALID: not used by queries,
 * still updated by every write, and taken as done by IF NOT EXISTS. The migration is then not
 * marked as run, so the next start comes back here and drops that leftover before building again.
 */
const INDEXES = [
  { name: 'files_one_per_imported_object', options: { unique: true, where: 'source_generation IS NOT NULL' } },
  // An import looks up every object it lists among all files, uploads included.
  { name: 'files_storage_path_idx', options: {} },
];

exports.up = async (pgm) => {
  pgm.noTransaction();
  const invalid = await pgm.db.select(
    `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = 'files'::regclass AND NOT i.indisvalid AND c.relname = ANY($1)`,
    [INDEXES.map((index) => index.name)],
  );
  for (const { name } of invalid) pgm.dropIndex('files', 'storage_path', { name, concurrently: true, ifExists: true });
  for (const { name, options } of INDEXES) pgm.createIndex('files', 'storage_path', { name, concurrently: true, ifNotExists: true, ...options });
};

exports.down = (pgm) => {
  pgm.noTransaction();
  for (const { name } of INDEXES) pgm.dropIndex('files', 'storage_path', { name, concurrently: true, ifExists: true });
};
