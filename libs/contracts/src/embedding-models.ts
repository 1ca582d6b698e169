/**
 * The local and OpenAI embedding models and the vector size each gives (Vertex AI's are in
 * vertex-models.ts): one registry for the embedders that run them and for the api, which checks
 * a knowledge base's settings when it is created.
 */

/** Universal Sentence Encoder lite, run in-process by LocalEmbedder. */
export const LOCAL_MODEL = 'universal-sentence-encoder-lite';
/** Names the local provider accepts for its one model; the first is the canonical one. */
export const LOCAL_MODEL_NAMES: readonly string[] = [LOCAL_MODEL, 'use-lite'];
export const LOCAL_DIMENSIONS = 512;

export function isLocalModel(name: string): boolean {
  return LOCAL_MODEL_NAMES.includes(name);
}

/** Native vector sizes of OpenAI's embedding models; other models are learnt from their first answer. */
export const KNOWN_OPENAI_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};
