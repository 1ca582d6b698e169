export { startLocalPostgres, type LocalPostgres, type LocalPostgresOptions } from './start-local-postgres';
export { PgliteWireServer, type WireServerOptions } from './pglite-wire-server';
