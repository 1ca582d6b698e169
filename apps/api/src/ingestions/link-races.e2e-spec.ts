import type { Job } from 'bull';
import { hang, waitUntil, sleep } from '@docingest/contracts/testing';
import { INGEST_SINGLE_FILE_JOB } from '../ingestion-queue/ingestion-job';
import { SYSTEM_KEY } from '../testing/api-stack';
import { describeOnEngines, useApiStack } from '../testing/use-api-stack';

/**
 * Races on the link's conditional updates, fired at once through the api: on PostgreSQL 15 they
 * really run side by side (the embedded PGlite serialises every statement, so there they only
 * interleave between statements).
 */
describeOnEngines('link races', (engine) => {
  const { stack, queue } = useApiStack({
    standIn: hang,
    database: engine,
    apiEnv: { SHUTDOWN_GRACE_MS: '200', MAX_IN_FLIGHT_DISPATCHES: '1000', DB_POOL_SIZE: '10', STALE_AFTER_MS: '10000', SWEEP_INTERVAL_MS: '200' },
    knowledgeBases: ['manuals'],
  });

  let counter = 0;
  const upload = async () => (await stack.upload(`race-${++counter}.md`, `Race ${counter}.`, { knowledgebase_id: 'manuals' })).body.uuid as string;
  const jobsOf = async (linkIds: number[]) =>
    ((await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'paused'])) as Job[]).filter(
      (j) => j?.name === INGEST_SINGLE_FILE_JOB && linkIds.includes(j.data.linkId),
    );

  it('the same files queued by 8 requests at once: one attempt each, one job each, the others refused with 409', async () => {
    const files = [await upload(), await upload(), await upload(), await upload()];
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => stack.request('POST', '/api/v1/files/ingest-selected', { file_uuids: files, knowledgebase_id: 'manuals' })),
    );
    const statuses = answers.map((a) => a.status);
    // No 500: a lost race is a conflict the caller can act on, never a server error.
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    const links = await Promise.all(files.map((f) => stack.link(f, 'manuals')));
    expect(links.map((l) => l.attempt)).toEqual([1, 1, 1, 1]);
    const queued = answers.filter((a) => a.status === 201).flatMap((a) => a.body.queued as Array<{ link_id: number; attempt: number }>);
    // Every link was queued by exactly one request.
    expect(queued.map((q) => q.link_id).sort()).toEqual(links.map((l) => l.link_id).sort());
    expect((await jobsOf(links.map((l) => l.link_id))).map((j) => j.id).sort()).toEqual(links.map((l) => `link-${l.link_id}-attempt-1`).sort());
  });

  it('forty progress callbacks of one attempt at once, in any order: the link ends at the highest', async () => {
    const file = await upload();
    await stack.request('POST', `/api/v1/files/${file}/reingest`, { knowledgebase_id: 'manuals' });
    const link = await waitUntil(
      'processing',
      async () => {
        const l = await stack.link(file, 'manuals');
        return l.ingestion_status === 'processing' ? l : undefined;
      },
      30_000,
    );
    const order = Array.from({ length: 40 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const answers = await Promise.all(
      order.map((p) =>
        stack.request(
          'POST',
          `/api/v1/files/${file}/update-progress`,
          { progress: p, processed_docs: p, total_docs: 40, link_id: link.link_id, attempt: 1, status: 'processing', stage: 'embedding' },
          `Api-Key ${SYSTEM_KEY}`,
        ),
      ),
    );
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
    expect(await stack.link(file, 'manuals')).toMatchObject({ ingestion_status: 'processing', ingestion_progress: 40, processed_docs: 40 });
  });

  it('completed and failed reported at once for one attempt, with the sweeper running: one wins, whole, and stays', async () => {
    const files = [await upload(), await upload(), await upload(), await upload(), await upload(), await upload()];
    await stack.request('POST', '/api/v1/files/ingest-selected', { file_uuids: files, knowledgebase_id: 'manuals' });
    const links = await Promise.all(
      files.map((f) =>
        waitUntil(
          'processing',
          async () => {
            const l = await stack.link(f, 'manuals');
            return l.ingestion_status === 'processing' ? l : undefined;
          },
          30_000,
        ),
      ),
    );
    const report = (file: string, linkId: number, body: Record<string, unknown>) =>
      stack.request(
        'POST',
        `/api/v1/files/${file}/update-progress`,
        { progress: 100, processed_docs: 3, total_docs: 3, link_id: linkId, attempt: 1, ...body },
        `Api-Key ${SYSTEM_KEY}`,
      );
    await Promise.all(
      links.flatMap((l, i) => [
        report(files[i], l.link_id, { status: 'completed', chunks: 3 }),
        report(files[i], l.link_id, { status: 'failed', error: 'the PDF is encrypted' }),
      ]),
    );
    // Let the sweeper (every 200 ms) pass over them several times. Its stale limit stays well above
    // the time forty callbacks take on a loaded machine, so only the reports decide these links.
    await sleep(2500);
    for (const file of files) {
      const final = await stack.link(file, 'manuals');
      if (final.ingestion_status === 'completed') expect(final).toMatchObject({ chunk_count: 3, ingestion_error: null, ingestion_progress: 100 });
      else expect(final).toMatchObject({ ingestion_status: 'failed', ingestion_error: 'the PDF is encrypted' });
    }
  });
});
