/*
 * What the dispatch path needs to tell overload from failure and the api's guesses from the
 * service's word:
 * - accepted_at: when the ingestion service first reported on this attempt (its first callback):
 *   before it, a broken connection means the request never started and it is sent again; after
 *   it, only the service's final report or the sweeper ends the attempt.
 * - dispatch_retries / retry_until: how often this attempt was sent again after an overload
 *   answer, and until when that may go on.
 * - failed_by: 'service' when the service reported the failure (final), 'api' when the api
 *   inferred it (transport error, sweeper): a completion of the same attempt may still override it.
 * - ingestion_history: earlier states of the attempt that were overridden or retried, oldest first.
 */
exports.up = (pgm) => {
  pgm.addColumns('file_knowledge_base_links', {
    accepted_at: { type: 'timestamptz' },
    dispatch_retries: { type: 'integer', notNull: true, default: 0 },
    retry_until: { type: 'timestamptz' },
    failed_by: { type: 'varchar(8)' },
    ingestion_history: { type: 'jsonb', notNull: true, default: pgm.func("'[]'::jsonb") },
  });
  pgm.addConstraint('file_knowledge_base_links', 'links_failed_by_known', "CHECK (failed_by IN ('service', 'api'))");
  // The sweeper also looks at pending attempts by age.
  pgm.createIndex('file_knowledge_base_links', 'last_progress_at', { where: "ingestion_status = 'pending'", name: 'links_pending_idx' });
};

exports.down = (pgm) => {
  pgm.dropIndex('file_knowledge_base_links', 'last_progress_at', { name: 'links_pending_idx' });
  pgm.dropConstraint('file_knowledge_base_links', 'links_failed_by_known');
  pgm.dropColumns('file_knowledge_base_links', ['accepted_at', 'dispatch_retries', 'retry_until', 'failed_by', 'ingestion_history']);
};
