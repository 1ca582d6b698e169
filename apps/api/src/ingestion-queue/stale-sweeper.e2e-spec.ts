import { hang, waitUntil, sleep } from '@docingest/contracts/testing';
import { SYSTEM_KEY } from '../testing/api-stack';
import { describeOnEngines, useApiStack } from '../testing/use-api-stack';
import { INGEST_SINGLE_FILE_JOB, SWEEP_STALE_JOB } from './ingestion-job';
import { PendingDispatches } from './pending-dispatches';

const STALE_AFTER_MS = 2500;
const SWEEP_INTERVAL_MS = 300;

describeOnEngines('stale sweeper: links that stopped moving end failed', (engine) => {
  // The stand-in takes every dispatch and never answers: the ingestion "runs" until something ends it.
  const { stack, standIn, queue } = useApiStack({
    standIn: hang,
    database: engine,
    apiEnv: { STALE_AFTER_MS: String(STALE_AFTER_MS), SWEEP_INTERVAL_MS: String(SWEEP_INTERVAL_MS), SHUTDOWN_GRACE_MS: '200' },
    knowledgeBases: ['manuals'],
  });

  let counter = 0;
  async function uploaded(): Promise<{ uuid: string; linkId: number }> {
    const { body } = await stack.upload(`doc-${++counter}.md`, `Document ${counter}.`, { knowledgebase_id: 'manuals' });
    return { uuid: body.uuid, linkId: (await stack.link(body.uuid, 'manuals')).link_id };
  }
  async function processing(): Promise<{ uuid: string; linkId: number }> {
    const file = await uploaded();
    await stack.request('POST', `/api/v1/files/${file.uuid}/reingest`, { knowledgebase_id: 'manuals' });
    await waitUntil('processing', async () => (await stack.link(file.uuid, 'manuals')).ingestion_status === 'processing', 30_000);
    return file;
  }
  const status = async (uuid: string) => (await stack.link(uuid, 'manuals')).ingestion_status;

  it('schedules one sweep at the configured interval', async () => {
    const sweeps = (await queue.getRepeatableJobs()).filter((job) => job.name === SWEEP_STALE_JOB);
    expect(sweeps).toEqual([expect.objectContaining({ every: SWEEP_INTERVAL_MS })]);
  });

  it('fails a processing link with no progress, "no progress since …", and leaves one that reports alone', async () => {
    const silent = await processing();
    const reporting = await processing();
    let progress = 0;
    let stop = false;
    const reporter = (async () => {
      while (!stop) {
        progress = Math.min(99, progress + 1);
        await stack.request(
          'POST',
          `/api/v1/files/${reporting.uuid}/update-progress`,
          { progress, processed_docs: progress, total_docs: 100, link_id: reporting.linkId, attempt: 1, status: 'processing', stage: 'embedding' },
          `Api-Key ${SYSTEM_KEY}`,
        );
        await sleep(150);
      }
    })();
    let failed;
    try {
      failed = await waitUntil(
        'the silent link to be failed',
        async () => {
          const link = await stack.link(silent.uuid, 'manuals');
          return link.ingestion_status === 'failed' ? link : undefined;
        },
        60_000,
      );
    } finally {
      stop = true;
      await reporter;
    }
    expect(failed.ingestion_error).toMatch(/^no progress since \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z: the ingestion service stopped reporting/);
    expect(failed.ingestion_error).toContain(new Date(failed.last_progress_at).toISOString().slice(0, 19));
    expect(failed.ingestion_completed_at).toEqual(expect.any(String));
    expect(await status(reporting.uuid)).toBe('processing');
  });

  it('lets a late completed answer of the same attempt override the sweeper, keeping the sweeper’s reason in the history', async () => {
    const link = await processing();
    await waitUntil('the link to be swept', async () => (await status(link.uuid)) === 'failed', 60_000);
    const swept = await stack.link(link.uuid, 'manuals');
    const inFlight = stack.app.get(PendingDispatches);
    const size = inFlight.size;
    standIn
      .pendingDispatch(link.linkId, 1)!
      .writeHead(200, { 'content-type': 'application/json' })
      .end(
        JSON.stringify({
          status: 'completed',
          file_uuid: link.uuid,
          link_id: link.linkId,
          chunks: 4,
          pages: 1,
          pages_skipped: 0,
          timings_ms: { download: 0, parse: 0, chunk: 0, embed: 0, store: 0, callbacks: 0, total: 0 },
        }),
      );
    await waitUntil('the late answer to be handled', async () => inFlight.size === size - 1, 10_000);
    const after = await stack.link(link.uuid, 'manuals');
    expect(after).toMatchObject({ ingestion_status: 'completed', chunk_count: 4, ingestion_error: null, attempt: 1 });
    expect(after.ingestion_history).toEqual([expect.objectContaining({ event: 'failure_overridden', reason: swept.ingestion_error })]);
  });

  it('lets a completed callback of the same attempt override the sweeper, but not one of an older attempt', async () => {
    const link = await processing();
    await waitUntil('the link to be swept', async () => (await status(link.uuid)) === 'failed', 60_000);
    const callback = (attempt: number) =>
      stack.request(
        'POST',
        `/api/v1/files/${link.uuid}/update-progress`,
        { progress: 100, processed_docs: 3, total_docs: 3, link_id: link.linkId, attempt, status: 'completed', chunks: 3 },
        `Api-Key ${SYSTEM_KEY}`,
      );
    expect((await callback(2)).body).toMatchObject({ applied: false, reason: 'stale_attempt' });
    expect((await callback(1)).body).toMatchObject({ applied: true, link: { ingestion_status: 'completed', chunk_count: 3 } });
    expect((await stack.link(link.uuid, 'manuals')).ingestion_history).toEqual([
      expect.objectContaining({ event: 'failure_overridden', reason: expect.stringMatching(/^no progress since/) }),
    ]);
  });

  it('keeps a failure the service reported final: a later completed callback is refused', async () => {
    const link = await processing();
    const report = (body: Record<string, unknown>) =>
      stack.request(
        'POST',
        `/api/v1/files/${link.uuid}/update-progress`,
        { progress: 50, processed_docs: 0, total_docs: 0, link_id: link.linkId, attempt: 1, ...body },
        `Api-Key ${SYSTEM_KEY}`,
      );
    expect((await report({ status: 'failed', error: 'the PDF is encrypted' })).body).toMatchObject({ applied: true });
    expect((await report({ status: 'completed', progress: 100, chunks: 2 })).body).toMatchObject({
      applied: false,
      reason: 'final',
      link: { ingestion_status: 'failed', ingestion_error: 'the PDF is encrypted' },
    });
  });

  it('fails a pending link whose job is gone from the queue, and leaves one whose job still waits', async () => {
    // Jobs of the next attempt, added first, hold both links pending (the enqueue then adds nothing).
    const waiting = await uploaded();
    const lost = await uploaded();
    const hold = (linkId: number) => queue.add(INGEST_SINGLE_FILE_JOB, { linkId, attempt: 1 }, { jobId: `link-${linkId}-attempt-1`, delay: 3_600_000 });
    const waitingJob = await hold(waiting.linkId);
    const lostJob = await hold(lost.linkId);
    try {
      for (const file of [waiting, lost]) {
        expect((await stack.request('POST', `/api/v1/files/${file.uuid}/reingest`, { knowledgebase_id: 'manuals' })).body).toMatchObject({ attempt: 1 });
        expect(await status(file.uuid)).toBe('pending');
      }
      await lostJob.remove();

      const failed = await waitUntil(
        'the link without a job to be failed',
        async () => {
          const link = await stack.link(lost.uuid, 'manuals');
          return link.ingestion_status === 'failed' ? link : undefined;
        },
        60_000,
      );
      expect(failed.ingestion_error).toMatch(/^queued but never started: its job is no longer in the queue/);
      // Queued earlier, so already past the same age when its neighbour was failed.
      expect(await status(waiting.uuid)).toBe('pending');
    } finally {
      await waitingJob.remove();
    }
  });
});
