// Test helpers, imported as @docingest/contracts/testing: what stands at the api's end of the wire
// contract in tests (its callback endpoint), the loopback servers every stand-in runs on, and
// waiting until the system reaches a state. Not part of the library's production surface: the build leaves testing/ out, and
// tools/workspace-rules keeps production files from importing it.
export { CallbackReceiver, type ReceivedCallback } from './callback-receiver';
export { readBody, startLoopbackServer, type LoopbackServer } from './loopback-server';
export { sleep, waitUntil } from './wait-until';
