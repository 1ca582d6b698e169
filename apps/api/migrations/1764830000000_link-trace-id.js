/*
 * trace_id: the trace of the admin's request that started the link's current attempt
 * (docs/wire-contract.md#trace). It rides in the Bull job, on /ingest-file and on every callback,
 * and every log line about the attempt in both services carries it; a new attempt replaces it.
 * Attempts started before this column existed have none.
 */
exports.up = (pgm) => {
  pgm.addColumns('file_knowledge_base_links', { trace_id: { type: 'varchar(32)' } });
};

exports.down = (pgm) => {
  pgm.dropColumns('file_knowledge_base_links', ['trace_id']);
};
