// Test helpers, imported as @docingest/embeddings/testing: stand-ins for the embedding APIs that
// cannot run here. Not part of the library's production surface (the build leaves testing/ out).
export { fakeEmbedding, startEmbeddingStandIn, type Exchange, type StandInCore, type StandInOptions, type StandInRecord, type WireFormat } from './embedding-stand-in';
export {
  startOpenAICompatibleServer,
  type OpenAICompatibleServer,
  type OpenAICompatibleServerOptions,
  type RecordedRequest,
  type ScriptedAnswer,
} from './openai-compatible.server';
export { startVertexAIServer, type VertexAIServer, type VertexAIServerOptions, type VertexRecordedRequest, type VertexScriptedAnswer } from './vertex-ai.server';
