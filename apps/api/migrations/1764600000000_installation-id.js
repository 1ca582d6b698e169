/*
 * One id per database, created with it. The api puts it in its Bull key prefix: Bull drops a job
 * whose id it still holds, and job ids built from row ids repeat when the database is recreated
 * while Redis lives on, or when two stacks share one Redis. A new database is a new namespace.
 */
exports.up = (pgm) => {
  pgm.createTable('installation', {
    id: { type: 'uuid', primaryKey: true, default: pgm.func('gen_random_uuid()') },
    // Only one row may ever exist.
    one_row: { type: 'boolean', notNull: true, default: true, unique: true, check: 'one_row' },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });
  pgm.sql('INSERT INTO installation DEFAULT VALUES');
};

exports.down = (pgm) => {
  pgm.dropTable('installation');
};
