import type { ApiClient } from '../../../tools/ingest-cli/src/api-client';
import { followLinks } from '../../../tools/ingest-cli/src/follow-links';

export interface FinalSeen {
  status: string;
  error: string | null;
  /** When this observer learned the final status (ms since the epoch). */
  seenAt: number;
}

/** One way of following a link until it ends, as a client of the api would. */
export interface Observer {
  name: string;
  watch(linkId: number): Promise<FinalSeen>;
}

const FINAL = new Set(['completed', 'failed']);

/** As the CLI polled: wait `everyMs`, ask `GET /ingestions/:linkId`, until the status is final. */
export async function pollUntilFinal(api: ApiClient, linkId: number, everyMs: number, timeoutMs = 120_000): Promise<FinalSeen> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, everyMs));
    const link = await api.ingestion(linkId);
    if (FINAL.has(link.ingestion_status)) return { status: link.ingestion_status, error: link.ingestion_error, seenAt: Date.now() };
  }
  throw new Error(`link ${linkId} did not end within ${timeoutMs / 1000} s`);
}

/** As the CLI follows a link now: the api's event stream (polling only where it is not available). */
export async function followUntilFinal(api: ApiClient, knowledgebaseId: string, linkId: number): Promise<FinalSeen> {
  let final: FinalSeen | null = null;
  const mode = await followLinks(api, knowledgebaseId, [linkId], (view) => {
    if (FINAL.has(view.ingestion_status)) final = { status: view.ingestion_status, error: view.ingestion_error, seenAt: Date.now() };
  });
  if (mode !== 'events') throw new Error(`link ${linkId}: the event stream was not available (followed by polling)`);
  return final!;
}
