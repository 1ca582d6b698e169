/*
 * Browser sessions of the admin, kept on the server so that signing out ends one for good: a
 * stolen cookie stops working the moment its owner signs out. Only a hash of the session id is
 * stored; a reader of this table cannot sign in with it.
 */
exports.up = (pgm) => {
  pgm.createTable('admin_sessions', {
    id_hash: { type: 'text', primaryKey: true },
    expires_at: { type: 'timestamptz', notNull: true },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });
  pgm.createIndex('admin_sessions', 'expires_at');
};

exports.down = (pgm) => {
  pgm.dropTable('admin_sessions');
};
