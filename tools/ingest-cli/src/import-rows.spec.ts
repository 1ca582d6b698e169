import type { ImportProgress } from './api-client';
import { importRow, resultRows } from './import-rows';

const progress = (over: Partial<ImportProgress>): ImportProgress => ({
  import_id: 'i',
  gcs_uri: 'gs://docs/corpus/',
  status: 'running',
  counts: { listed: 10, skipped_unchanged: 2, queued: 8, completed: 3, failed: 0 },
  pages_listed: 1,
  error: null,
  created_at: '2026-12-06T04:00:00.000Z',
  completed_at: null,
  ...over,
});

describe('importRow', () => {
  it('shows the share of listed objects that are final, and what is done, while the import runs', () => {
    expect(importRow(progress({}), 1.5)).toMatchObject({
      name: 'gs://docs/corpus/',
      status: 'processing',
      progress: 50,
      stage: '5 of 10 done (3 completed, 2 unchanged, 0 failed)',
      error: null,
    });
    expect(importRow(progress({ status: 'listing' }), null)).toMatchObject({ progress: 0, stage: 'listing: 10 objects so far' });
  });

  it('ends failed when a file failed or the listing did, with the reason', () => {
    const done = { listed: 10, skipped_unchanged: 2, queued: 8, completed: 7, failed: 1 };
    expect(importRow(progress({ status: 'completed', counts: done }), 3)).toMatchObject({ status: 'failed', progress: 100, error: '1 of 10 files failed' });
    expect(importRow(progress({ status: 'completed', counts: { ...done, completed: 8, failed: 0 } }), 3)).toMatchObject({ status: 'completed', error: null });
    expect(importRow(progress({ status: 'failed', error: 'listing failed: GCS unavailable' }), 3)).toMatchObject({
      status: 'failed',
      error: 'listing failed: GCS unavailable',
    });
  });
});

describe('resultRows', () => {
  it('names each object after the prefix and keeps its status, chunks and error', () => {
    expect(resultRows(progress({}), [{ object: 'gs://docs/corpus/a/b.txt', status: 'failed', chunks: null, error: 'the file is empty' }])).toEqual([
      { name: 'a/b.txt', status: 'failed', progress: 100, stage: null, chunks: null, pages: null, error: 'the file is empty', seconds: null },
    ]);
  });
});
