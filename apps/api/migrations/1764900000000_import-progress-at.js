/*
 * progress_at: when an import's listing last moved (created, or a page recorded). An import
 * still `listing` with no page job and no progress for STALE_AFTER_MS was cut between its
 * recorded page and the queueing of the next one (an api killed inside POST .../imports); the
 * sweep queues that page again (docs/decisions.md#imports-from-a-prefix).
 */
exports.up = (pgm) => {
  pgm.addColumns('imports', { progress_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') } });
  pgm.createIndex('imports', ['progress_at'], { name: 'imports_listing_progress_idx', where: "status = 'listing'" });
};

exports.down = (pgm) => {
  pgm.dropIndex('imports', ['progress_at'], { name: 'imports_listing_progress_idx' });
  pgm.dropColumns('imports', ['progress_at']);
};
