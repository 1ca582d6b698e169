/*
 * Pages read and pages skipped (no text: scanned) of the last completed attempt, from the
 * ingestion service's answer, so pollers can show them beside the chunk count.
 */
exports.up = (pgm) => {
  pgm.addColumns('file_knowledge_base_links', {
    pages: { type: 'integer' },
    pages_skipped: { type: 'integer' },
  });
};

exports.down = (pgm) => {
  pgm.dropColumns('file_knowledge_base_links', ['pages', 'pages_skipped']);
};
