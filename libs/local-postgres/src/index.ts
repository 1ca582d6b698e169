// PostgreSQL with pgvector for local runs and tests: PGlite served over the wire protocol from
// its own process, reached only through `pg` and a DATABASE_URL, as Cloud SQL would be.
//   const pg = await startLocalPostgres({});            // in memory, free port
//   const pool = new Pool({ connectionString: pg.url }); ... await pool.end(); await pg.stop();
// As a process: node -r @swc-node/register libs/local-postgres/src/server.main.ts --port 5433 --data-dir DIR
export { startLocalPostgres, type LocalPostgres, type LocalPostgresOptions } from './start-local-postgres';
export { vectorParam } from './vector-param';
export { LocalPostgresStartError, VectorParamError } from './errors';
