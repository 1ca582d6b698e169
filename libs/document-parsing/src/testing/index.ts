// Test helpers, imported as @docingest/document-parsing/testing: documents built in code (so no
// binary fixture is committed) for the parser's tests, the ingestion service's and the api's tests,
// the fault and system suites and the benchmark. Not part of the library's production surface: the
// build leaves testing/ out, and ESLint keeps production files from importing it
// (docs/development.md#module-boundaries).
export * from './documents';
export * as hostile from './hostile';
export { proseSentences, writeProseFile } from './prose';
export { storedZip } from './zip';
