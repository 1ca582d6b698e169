import { startOpenAICompatibleServer } from '@docingest/embeddings/testing';

export interface HeldEmbeddings {
  /** The API root for OPENAI_BASE_URL. */
  baseURL: string;
  /** Requests that arrive from now on wait until release(): the ingestion stays in its embed stage. */
  hold(): void;
  /** Lets every waiting and later request through. */
  release(): void;
  /** Requests waiting at the gate right now. */
  readonly waiting: number;
  close(): Promise<void>;
}

/**
 * The OpenAI-compatible embeddings endpoint (OpenAI cannot run here) with its gate in the test's
 * hands: while it is closed, a file of an `openai` knowledge base stays `processing` in its embed
 * stage for as long as the test needs to look at it, and goes on when it opens.
 */
export function startHeldEmbeddings(): Promise<HeldEmbeddings> {
  return startOpenAICompatibleServer({ dimensions: 1536 });
}
