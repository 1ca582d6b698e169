// Test helpers, imported as @docingest/local-postgres/testing: the local PostgreSQL for one
// describe block. Not part of the library's surface: the build leaves testing/ out, and ESLint
// keeps production files from importing it (docs/development.md#module-boundaries).
export { useLocalPostgres, type CollectingClient, type DescribedPostgres, type UseLocalPostgresOptions } from './use-local-postgres';
