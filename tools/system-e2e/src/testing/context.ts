import type { AdminClient } from './admin-client';
import type { E2eSystem } from './e2e-system';
import type { HeldEmbeddings } from './held-embeddings';

/** What the suites share: one running system, and the knowledge bases made for them. */
export interface SystemContext {
  e2e: E2eSystem;
  admin: AdminClient;
  kb: { cli: string; browser: string; access: string };
  /** The embeddings endpoint of `openai` knowledge bases, which a test can hold shut. */
  embeddings: HeldEmbeddings;
}

export type Context = () => SystemContext;
