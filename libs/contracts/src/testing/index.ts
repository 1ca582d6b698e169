// Test helpers, imported as @docingest/contracts/testing: what stands at either end of the wire
// contract in tests (the api's callback endpoint, the ingestion service's /ingest-file, a
// well-formed /ingest-file body), the
// loopback servers every stand-in runs on, waiting until the system reaches a state, and objects
// a describe block's beforeAll starts, handed out before it runs. Not part
// of the library's production surface: the build leaves testing/ out, and ESLint keeps production
// files from importing it (docs/development.md#module-boundaries).
export { CallbackReceiver, type ReceivedCallback } from './callback-receiver';
export { ingestFileRequest } from './ingest-file-request';
export { IngestionStandIn, answer, hang, proxyTo, type ReceivedRequest, type Responder } from './ingestion-stand-in';
export { readBody, startLoopbackServer, type LoopbackServer } from './loopback-server';
export { startedLater } from './started-later';
export { sleep, waitUntil } from './wait-until';
