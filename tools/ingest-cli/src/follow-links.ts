import { EventSource } from 'eventsource';
import { INGESTION_EVENT, INGESTION_EVENTS_MAX_LINKS, ingestionEventsPath, isFinalStatus, type IngestionStatus, type IngestionView } from '@docingest/contracts';
import { ApiError, type ApiClient } from './api-client';

export interface FollowOptions {
  /** The poll's interval while the event stream is not available. */
  pollMs?: number;
  /** Polls in a row that may fail (the api restarting, say) before following gives up. */
  pollFailuresAllowed?: number;
  /** While the stream is open, every link is also asked for this often, in case an event was lost. */
  backstopMs?: number;
}

export type FollowMode = 'events' | 'polling';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Link views asked for at once by a poll or a backstop round, however many links are followed. */
const REQUESTS_AT_ONCE = 16;

/** Runs `task` on every item, at most REQUESTS_AT_ONCE at a time; settles them all. */
async function settleAll<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<PromiseSettledResult<void>[]> {
  const settled: PromiseSettledResult<void>[] = [];
  for (let start = 0; start < items.length; start += REQUESTS_AT_ONCE) {
    settled.push(...(await Promise.allSettled(items.slice(start, start + REQUESTS_AT_ONCE).map(task))));
  }
  return settled;
}

/**
 * Follows links until every one is `completed` or `failed`, calling `onView` with each new view
 * of a link. Through the api's event stream (docs/wire-contract.md#ingestion-events): it names the
 * links, so the api sends each one's current view first and nothing that happened before the
 * stream opened is missed. An api without the stream (404), or one that refuses it, is polled
 * instead, as is any stream that cannot be kept open. Answers how the links were followed.
 */
export async function followLinks(
  api: ApiClient,
  knowledgebaseId: string,
  linkIds: number[],
  onView: (view: IngestionView) => void,
  options: FollowOptions = {},
): Promise<FollowMode> {
  const open = new Set(linkIds);
  const see = (view: IngestionView) => {
    if (!open.has(view.link_id)) return;
    onView(view);
    if (isFinalStatus(view.ingestion_status as IngestionStatus)) open.delete(view.link_id);
  };
  if (!open.size) return 'events';
  // One stream names at most INGESTION_EVENTS_MAX_LINKS links (more is a 400): more links, more streams.
  const ids = [...open];
  const groups = Array.from({ length: Math.ceil(ids.length / INGESTION_EVENTS_MAX_LINKS) }, (_, i) =>
    ids.slice(i * INGESTION_EVENTS_MAX_LINKS, (i + 1) * INGESTION_EVENTS_MAX_LINKS),
  );
  const streamed = await Promise.all(groups.map((group) => followEvents(api, knowledgebaseId, group, see, options.backstopMs ?? 5_000)));
  if (!open.size) return 'events';
  if (streamed.includes('unauthorized')) throw new ApiError(401, api.unauthorizedMessage);
  await pollLinks(api, open, see, options.pollMs ?? 500, options.pollFailuresAllowed ?? 60);
  return 'polling';
}

/** Reads the event stream until every link ended (`done`) or the stream cannot be used. */
function followEvents(
  api: ApiClient,
  knowledgebaseId: string,
  linkIds: number[],
  see: (view: IngestionView) => void,
  backstopMs: number,
): Promise<'done' | 'unavailable' | 'unauthorized'> {
  return new Promise((resolve) => {
    let status = 0;
    const source = new EventSource(`${api.baseUrl}${ingestionEventsPath(knowledgebaseId, linkIds)}`, {
      fetch: async (input, init) => {
        const response = await fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${api.adminKey}` } });
        status = response.status;
        return response;
      },
    });
    let errorsInARow = 0;
    const pending = () => linkIds.filter((id) => !ended.has(id));
    const ended = new Set<number>();
    const seen = (view: IngestionView) => {
      see(view);
      if (isFinalStatus(view.ingestion_status as IngestionStatus)) ended.add(view.link_id);
      if (!pending().length) finish('done');
    };
    // Events are what the api publishes after it records a change; a lost one (a broken
    // connection between two reconnects) is caught by asking now and then.
    let asking = false;
    const backstop = setInterval(() => {
      if (asking) return; // the last round is still being answered
      asking = true;
      void settleAll(pending(), async (id) => {
        if (!finished && !ended.has(id)) seen(await api.ingestion(id));
      }).finally(() => (asking = false));
    }, backstopMs);
    let finished = false;
    const finish = (outcome: 'done' | 'unavailable' | 'unauthorized') => {
      finished = true;
      clearInterval(backstop);
      source.close();
      resolve(outcome);
    };
    source.addEventListener(INGESTION_EVENT, (event) => {
      errorsInARow = 0;
      seen(JSON.parse(event.data) as IngestionView);
    });
    source.addEventListener('open', () => (errorsInARow = 0));
    source.addEventListener('error', () => {
      // CLOSED: the answer was not a stream (404 from an older api, 401) and no retry follows.
      if (source.readyState === EventSource.CLOSED) return finish(status === 401 ? 'unauthorized' : 'unavailable');
      if (++errorsInARow >= 3) finish('unavailable');
    });
  });
}

async function pollLinks(api: ApiClient, open: Set<number>, see: (view: IngestionView) => void, pollMs: number, failuresAllowed: number): Promise<void> {
  let failedPolls = 0;
  while (open.size) {
    await sleep(pollMs);
    const polled = await settleAll([...open], async (id) => see(await api.ingestion(id)));
    const failure = polled.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (failure) {
      if (failure.reason instanceof ApiError && failure.reason.status === 401) throw failure.reason;
      if (++failedPolls > failuresAllowed) throw new Error(`could not follow the progress: ${(failure.reason as Error).message}`);
    } else failedPolls = 0;
  }
}
