import type { AdminClient } from './admin-client';
import type { E2eSystem } from './e2e-system';

/** What the suites share: one running system, and the knowledge bases made for them. */
export interface SystemContext {
  e2e: E2eSystem;
  admin: AdminClient;
  kb: { cli: string; browser: string };
}

export type Context = () => SystemContext;
