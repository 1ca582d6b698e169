import { INGESTION_STAGES, type IngestionView } from '@docingest/contracts';
import type { LinkChange } from './link-events';

/** What of a view places it in its link's history: all a stream keeps of a view it sent. */
export type ViewPosition = Pick<
  IngestionView,
  'attempt' | 'dispatch_retries' | 'ingestion_status' | 'ingestion_progress' | 'current_stage' | 'processed_docs' | 'last_progress_at'
>;

/**
 * The order statuses follow within one dispatch of an attempt. A refused dispatch puts a link
 * back to pending, but counts a retry (ranked before the status); a failure the api only inferred
 * may still give way to the service's completion, never the other way (links.repository.ts).
 */
const STATUS_RANK = { not_started: 0, pending: 1, processing: 2, failed: 3, completed: 4 } as const;

const rank = (view: ViewPosition): number[] => [
  view.attempt,
  view.dispatch_retries,
  STATUS_RANK[view.ingestion_status],
  view.ingestion_progress,
  view.current_stage ? INGESTION_STAGES.indexOf(view.current_stage) : -1,
  view.processed_docs,
  view.last_progress_at ? Date.parse(view.last_progress_at) : 0,
];

/**
 * Whether `view` is older than `sent`, a view of the same link a stream already sent, and so must
 * not follow it. Why: one change can overtake another on its way to a stream (two api
 * instances, or two queries on one, publish in the order their UPDATEs answered, not the order
 * they committed; a stream's first views are read after the changes it holds were heard), and a
 * client shows the last view it got, so a stale one would show progress going back or a finished
 * link running again. The api never moves a link backwards within an attempt (each change is a
 * conditional UPDATE), so every view of an attempt is placed by its attempt, dispatch retries,
 * status, progress, stage, documents done and time of the last report, compared in that order;
 * a later attempt (a re-ingestion) starts again from pending and 0 %, and is news.
 */
export function isBehind(view: ViewPosition, sent: ViewPosition): boolean {
  const [a, b] = [rank(view), rank(sent)];
  const differs = a.findIndex((value, i) => value !== b[i]);
  return differs >= 0 && a[differs] < b[differs];
}

/**
 * Links remembered per stream. A stale change trails the one that overtook it by moments, so
 * only the links changed last need remembering; this bounds a stream following a whole knowledge
 * base.
 */
const REMEMBERED_LINKS = 10_000;

/**
 * A removed link, as a stream remembers it: a link id is never used again (a file added back
 * gets a new link), so every change of it heard after its removal is one that was overtaken, and
 * sent after the removal it would show the file again.
 */
const REMOVED = 'removed';

/** What one stream has sent of each link: lets through only changes that are not behind it. */
export class SentViews {
  private readonly sent = new Map<number, ViewPosition | typeof REMOVED>();

  /** Whether `change` may be sent after what was; remembers it when it may. */
  admit(change: LinkChange): boolean {
    if (change.kind === 'removed') {
      this.remember(change.removed.link_id, REMOVED);
      return true;
    }
    const { view } = change;
    const sent = this.sent.get(view.link_id);
    if (sent === REMOVED || (sent && isBehind(view, sent))) return false;
    this.remember(view.link_id, position(view));
    return true;
  }

  private remember(linkId: number, what: ViewPosition | typeof REMOVED): void {
    // Deleted first so the link moves to the newest end of the map's order.
    this.sent.delete(linkId);
    this.sent.set(linkId, what);
    if (this.sent.size > REMEMBERED_LINKS) this.sent.delete(this.sent.keys().next().value!);
  }
}

function position(view: IngestionView): ViewPosition {
  const { attempt, dispatch_retries, ingestion_status, ingestion_progress, current_stage, processed_docs, last_progress_at } = view;
  return { attempt, dispatch_retries, ingestion_status, ingestion_progress, current_stage, processed_docs, last_progress_at };
}
