/*
 * Two knowledge bases must never share a vector table: their ids differ but can derive the same
 * table name (`a-b` and `a_b` both give `kb_a_b`), and a shared table mixes their chunks and
 * breaks on different embedding dimensions.
 */
exports.up = (pgm) => {
  pgm.addConstraint('knowledge_bases', 'knowledge_bases_vector_table_unique', 'UNIQUE (vector_table_name)');
};

exports.down = (pgm) => {
  pgm.dropConstraint('knowledge_bases', 'knowledge_bases_vector_table_unique');
};
