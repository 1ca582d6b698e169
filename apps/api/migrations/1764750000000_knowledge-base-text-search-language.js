/*
 * The PostgreSQL text search configuration of a knowledge base's full-text column
 * (text_search_tsv in its vector table, libs/vector-store). Fixed when the knowledge base is made:
 * the column is generated with it, and search parses queries with the same one.
 */
exports.up = (pgm) => {
  pgm.addColumn('knowledge_bases', {
    text_search_language: {
      type: 'text',
      notNull: true,
      default: 'english',
      check: "text_search_language IN ('simple', 'english', 'french', 'german', 'spanish', 'italian', 'portuguese', 'dutch')",
    },
  });
};

exports.down = (pgm) => {
  pgm.dropColumn('knowledge_bases', 'text_search_language');
};
