import type { IngestionView } from '@docingest/contracts';
import type { LinkChange } from './link-events';
import { isBehind, SentViews } from './view-order';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

function view(fields: Partial<IngestionView>): IngestionView {
  return {
    link_id: 1,
    file_uuid: '00000000-0000-4000-8000-000000000001',
    knowledgebase_id: 'kb',
    ingestion_status: 'pending',
    ingestion_progress: 0,
    current_stage: null,
    processed_docs: 0,
    total_docs: 0,
    chunk_count: null,
    pages: null,
    pages_skipped: null,
    ingestion_error: null,
    ingestion_started_at: null,
    ingestion_completed_at: null,
    last_progress_at: at(0),
    attempt: 1,
    dispatch_retries: 0,
    ingestion_history: [],
    object_generation: null,
    object_crc32c: null,
    chunks_embedded: null,
    chunks_reused: null,
    embedding_tokens: null,
    trace_id: null,
    ...fields,
  };
}

/** One attempt as the api records it, every step a change links.repository.ts may make, in order. */
const attempt: IngestionView[] = [
  view({ ingestion_status: 'pending', last_progress_at: at(1) }),
  view({ ingestion_status: 'processing', last_progress_at: at(2) }),
  // The service refused the dispatch: pending again, one retry counted.
  view({ ingestion_status: 'pending', dispatch_retries: 1, last_progress_at: at(3) }),
  view({ ingestion_status: 'processing', dispatch_retries: 1, last_progress_at: at(4) }),
  view({ ingestion_status: 'processing', dispatch_retries: 1, current_stage: 'downloading', last_progress_at: at(5) }),
  view({ ingestion_status: 'processing', dispatch_retries: 1, current_stage: 'parsing', ingestion_progress: 10, last_progress_at: at(6) }),
  // A heartbeat: nothing moved but the time of the last report.
  view({ ingestion_status: 'processing', dispatch_retries: 1, current_stage: 'parsing', ingestion_progress: 10, last_progress_at: at(7) }),
  view({ ingestion_status: 'processing', dispatch_retries: 1, current_stage: 'embedding', ingestion_progress: 40, processed_docs: 4, last_progress_at: at(8) }),
  view({ ingestion_status: 'processing', dispatch_retries: 1, current_stage: 'embedding', ingestion_progress: 40, processed_docs: 5, last_progress_at: at(9) }),
  // The sweeper inferred a failure; the service's completion of the same attempt overrides it.
  view({ ingestion_status: 'failed', dispatch_retries: 1, current_stage: 'embedding', ingestion_progress: 40, processed_docs: 5, last_progress_at: at(9) }),
  view({ ingestion_status: 'completed', dispatch_retries: 1, current_stage: 'storing', ingestion_progress: 100, processed_docs: 9, last_progress_at: at(10) }),
];

const changed = (v: IngestionView): LinkChange => ({ kind: 'changed', view: v });

/** Every ordering of `items`. */
function* orderings<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) return yield [...items];
  for (let i = 0; i < items.length; i++) {
    for (const rest of orderings([...items.slice(0, i), ...items.slice(i + 1)])) yield [items[i], ...rest];
  }
}

describe('the order of a link’s views on a stream', () => {
  it('within an attempt, every step the api may take is ahead of each one before it, and each earlier one behind it', () => {
    for (let later = 1; later < attempt.length; later++) {
      for (let earlier = 0; earlier < later; earlier++) {
        expect([earlier, later, isBehind(attempt[later], attempt[earlier])]).toEqual([earlier, later, false]);
        expect([earlier, later, isBehind(attempt[earlier], attempt[later])]).toEqual([earlier, later, true]);
      }
    }
  });

  it('a new attempt (re-ingestion) starts again from pending and 0 % and is news; the old attempt’s views are stale after it', () => {
    const done = attempt[attempt.length - 1];
    const again = view({ attempt: 2, ingestion_status: 'pending', last_progress_at: at(11) });
    expect(isBehind(again, done)).toBe(false);
    expect(isBehind(done, again)).toBe(true);
    const sent = new SentViews();
    expect([done, again, attempt[5], view({ attempt: 2, ingestion_status: 'processing', last_progress_at: at(12) })].map((v) => sent.admit(changed(v)))).toEqual([
      true,
      true,
      false,
      true,
    ]);
  });

  it('the same view again is let through (it moves nothing back)', () => {
    const sent = new SentViews();
    expect(sent.admit(changed(attempt[5]))).toBe(true);
    expect(sent.admit(changed({ ...attempt[5], total_docs: 12 }))).toBe(true);
  });

  it('in every order changes may arrive in, what is sent never goes back, and the newest always reaches the client', () => {
    // Two attempts' worth of steps, 7! orderings.
    const steps = [attempt[0], attempt[1], attempt[5], attempt[7], attempt[9], attempt[10], view({ attempt: 2, ingestion_status: 'pending', last_progress_at: at(11) })];
    let orders = 0;
    const wrong: number[][] = [];
    for (const order of orderings(steps)) {
      orders++;
      const sent = new SentViews();
      const shown = order.filter((v) => sent.admit(changed(v))).map((v) => steps.indexOf(v));
      if (shown.some((step, i) => i > 0 && step < shown[i - 1]) || shown.at(-1) !== steps.length - 1) wrong.push(shown);
    }
    expect(orders).toBe(5040);
    expect(wrong).toEqual([]);
  });

  it('keeps each link apart, and sends no change of a removed link after its removal, however new', () => {
    const sent = new SentViews();
    const other = (v: IngestionView) => ({ ...v, link_id: 2 });
    expect(sent.admit(changed(attempt[7]))).toBe(true);
    expect(sent.admit(changed(other(attempt[1])))).toBe(true);
    expect(sent.admit(changed(attempt[5]))).toBe(false);
    expect(sent.admit({ kind: 'removed', knowledgebase_id: 'kb', removed: { link_id: 1, file_uuid: attempt[0].file_uuid } })).toBe(true);
    // Overtaken by the removal: sent after it, it would bring the removed file back on the page.
    expect([attempt[5], attempt[10], view({ attempt: 2, last_progress_at: at(11) })].map((v) => sent.admit(changed(v)))).toEqual([false, false, false]);
    expect(sent.admit(changed(other(attempt[5])))).toBe(true);
  });

  it('a removal never seen sent is remembered too: a change of its link heard after it is not sent', () => {
    const sent = new SentViews();
    expect(sent.admit({ kind: 'removed', knowledgebase_id: 'kb', removed: { link_id: 1, file_uuid: attempt[0].file_uuid } })).toBe(true);
    expect(sent.admit(changed(attempt[10]))).toBe(false);
  });
});
