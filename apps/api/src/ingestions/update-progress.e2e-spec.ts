import { randomUUID } from 'node:crypto';
import { hang, waitUntil } from '@docingest/contracts/testing';
import { SYSTEM_KEY } from '../testing/api-stack';
import { describeOnEngines, useApiStack } from '../testing/use-api-stack';
import { PendingDispatches } from '../ingestion-queue/pending-dispatches';

interface Running {
  uuid: string;
  linkId: number;
  attempt: number;
}

describeOnEngines('update-progress: the ingestion service’s callback (docs/wire-contract.md#progress-callback)', (engine) => {
  // Dispatches are accepted and never answered, so only the callbacks move the links. Every
  // test leaves a request open: no bound on them here.
  const { stack, standIn } = useApiStack({
    standIn: hang,
    database: engine,
    apiEnv: { SHUTDOWN_GRACE_MS: '200', MAX_IN_FLIGHT_DISPATCHES: '1000' },
    knowledgeBases: ['manuals'],
  });

  let counter = 0;
  /** A link whose ingestion was dispatched and is running (processing). */
  async function running(): Promise<Running> {
    const { body } = await stack.upload(`doc-${++counter}.md`, `Document ${counter}.`, { knowledgebase_id: 'manuals', auto_ingest: 'true' });
    await waitUntil(`link of ${body.uuid} processing`, async () => (await stack.link(body.uuid, 'manuals'))?.ingestion_status === 'processing', 30_000);
    return { uuid: body.uuid, linkId: body.ingestion.link_id, attempt: body.ingestion.attempt };
  }
  const send = (uuid: string, update: Record<string, unknown>) => stack.request('POST', `/api/v1/files/${uuid}/update-progress`, update, `Api-Key ${SYSTEM_KEY}`);
  const update = (run: Running, fields: Record<string, unknown>) => ({
    progress: 0,
    processed_docs: 0,
    total_docs: 0,
    link_id: run.linkId,
    attempt: run.attempt,
    status: 'processing',
    ...fields,
  });
  const row = async (linkId: number) => (await stack.pool.query(`SELECT * FROM file_knowledge_base_links WHERE id = $1`, [linkId])).rows[0];
  /** The link as stored, without the time of the last report (which every accepted report moves). */
  const state = async (linkId: number) => {
    const { last_progress_at: _ignored, ...rest } = await row(linkId);
    return rest;
  };

  describe('body validation', () => {
    let run: Running;
    beforeAll(async () => {
      run = await running();
    });

    it.each([
      ['no progress', { progress: undefined }, 'progress'],
      ['progress above 100', { progress: 150 }, 'progress'],
      ['negative progress', { progress: -1 }, 'progress'],
      ['progress as a string', { progress: '50' }, 'progress'],
      ['an unknown status', { status: 'done' }, 'status'],
      ['the api’s own status pending', { status: 'pending' }, 'status'],
      ['an unknown stage', { stage: 'uploading' }, 'stage'],
      ['negative processed_docs', { processed_docs: -1 }, 'processed_docs'],
      ['fractional total_docs', { total_docs: 1.5 }, 'total_docs'],
      ['processed_docs beyond a 32-bit integer', { processed_docs: 3_000_000_000 }, 'processed_docs'],
      ['chunks beyond a 32-bit integer', { status: 'completed', chunks: 3_000_000_000 }, 'chunks'],
      ['no link_id', { link_id: undefined }, 'link_id'],
      ['link_id as a string', { link_id: 'one' }, 'link_id'],
      ['an error over 4000 characters', { status: 'failed', error: 'x'.repeat(4001) }, 'error'],
      ['an unknown field', { percent: 5 }, 'percent'],
    ])('refuses %s with 400 naming the field, changing nothing', async (_what, change, field) => {
      const before = await row(run.linkId);
      const { status, body } = await send(run.uuid, update(run, { progress: 10, ...change }));
      expect(status).toBe(400);
      expect(body).toMatchObject({ statusCode: 400, field });
      expect(body.message).toContain(field);
      expect(await row(run.linkId)).toEqual(before);
    });

    it('refuses a file id that is not a UUID', async () => {
      expect((await send('not-a-uuid', update(run, { progress: 10 }))).status).toBe(400);
    });
  });

  describe('unknown links', () => {
    it.each([
      ['a link that does not exist', (run: Running) => ({ uuid: run.uuid, link: 987_654 })],
      ['a link id beyond any stored id', (run: Running) => ({ uuid: run.uuid, link: 99_999_999_999 })],
      ['no link (null)', (run: Running) => ({ uuid: run.uuid, link: null })],
      ['an unknown file', (run: Running) => ({ uuid: randomUUID(), link: run.linkId })],
    ])('answers 404 for %s', async (_what, pick) => {
      const run = await running();
      const before = await row(run.linkId);
      const { uuid, link } = pick(run);
      const { status, body } = await send(uuid, update(run, { link_id: link, progress: 50 }));
      expect(status).toBe(404);
      expect(body).toMatchObject({ statusCode: 404, code: 'unknown_link', field: 'link_id' });
      expect(await row(run.linkId)).toEqual(before);
    });

    it('answers 404 for another file’s link, leaving that link alone', async () => {
      const [mine, theirs] = [await running(), await running()];
      const before = await row(theirs.linkId);
      const { status } = await send(mine.uuid, update(theirs, { progress: 60 }));
      expect(status).toBe(404);
      expect(await row(theirs.linkId)).toEqual(before);
    });
  });

  it('applies a forward update with its stage and counts', async () => {
    const run = await running();
    const { status, body } = await send(run.uuid, update(run, { progress: 42.5, processed_docs: 17, total_docs: 40, stage: 'embedding' }));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      applied: true,
      link: { link_id: run.linkId, ingestion_status: 'processing', ingestion_progress: 42.5, current_stage: 'embedding', processed_docs: 17, total_docs: 40, attempt: 1 },
    });
    expect(body.reason).toBeUndefined();
  });

  it('never moves progress, counts or stage back (out-of-order callbacks)', async () => {
    const run = await running();
    expect((await send(run.uuid, update(run, { progress: 60, processed_docs: 30, total_docs: 50, stage: 'embedding' }))).body.applied).toBe(true);
    const ahead = await state(run.linkId);

    const late = await send(run.uuid, update(run, { progress: 20, processed_docs: 10, total_docs: 50, stage: 'embedding' }));
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ applied: false, reason: 'behind', link: { ingestion_progress: 60, processed_docs: 30 } });
    const earlierStage = await send(run.uuid, update(run, { progress: 60, processed_docs: 30, total_docs: 50, stage: 'chunking' }));
    expect(earlierStage.status).toBe(200);
    expect(earlierStage.body).toMatchObject({ applied: false, reason: 'behind', link: { current_stage: 'embedding' } });
    expect(await state(run.linkId)).toEqual(ahead);

    expect((await send(run.uuid, update(run, { progress: 90, processed_docs: 50, total_docs: 50, stage: 'storing' }))).body).toMatchObject({
      applied: true,
      link: { ingestion_progress: 90, current_stage: 'storing' },
    });
  });

  it('gives the same state when the same callback comes twice', async () => {
    const run = await running();
    const report = update(run, { progress: 35, processed_docs: 7, total_docs: 20, stage: 'embedding' });
    expect((await send(run.uuid, report)).status).toBe(200);
    const once = await state(run.linkId);
    const twice = await send(run.uuid, report);
    expect(twice.status).toBe(200);
    expect(await state(run.linkId)).toEqual(once);

    const done = update(run, { progress: 100, processed_docs: 20, total_docs: 20, status: 'completed', chunks: 20 });
    expect((await send(run.uuid, done)).body.applied).toBe(true);
    const completed = await state(run.linkId);
    const again = await send(run.uuid, done);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ applied: false, reason: 'final' });
    expect(await state(run.linkId)).toEqual(completed);
  });

  it('keeps completed final: a later processing or failed callback is answered 200, applied false', async () => {
    const run = await running();
    const done = await send(run.uuid, update(run, { progress: 99, processed_docs: 12, total_docs: 12, status: 'completed', chunks: 12, stage: 'storing' }));
    expect(done.body).toMatchObject({ applied: true, link: { ingestion_status: 'completed', ingestion_progress: 100, chunk_count: 12, ingestion_error: null } });
    expect(done.body.link.ingestion_completed_at).toEqual(expect.any(String));
    const final = await row(run.linkId);

    for (const late of [
      update(run, { progress: 50, stage: 'embedding' }),
      update(run, { progress: 100, status: 'processing', stage: 'storing' }),
      update(run, { progress: 100, status: 'failed', error: 'too late' }),
    ]) {
      const answer = await send(run.uuid, late);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ applied: false, reason: 'final', link: { ingestion_status: 'completed' } });
    }
    expect(await row(run.linkId)).toEqual(final);
  });

  it('records failed with its message and stage, and keeps it final', async () => {
    const run = await running();
    await send(run.uuid, update(run, { progress: 5, stage: 'parsing' }));
    const failed = await send(
      run.uuid,
      update(run, { progress: 5, status: 'failed', stage: 'parsing', error: 'the PDF is password-protected: remove the password and upload it again' }),
    );
    expect(failed.body).toMatchObject({
      applied: true,
      link: { ingestion_status: 'failed', current_stage: 'parsing', ingestion_error: 'the PDF is password-protected: remove the password and upload it again' },
    });
    expect(failed.body.link.ingestion_completed_at).toEqual(expect.any(String));
    const final = await row(run.linkId);

    const reopen = await send(run.uuid, update(run, { progress: 50, stage: 'embedding' }));
    expect(reopen.body).toMatchObject({ applied: false, reason: 'final' });
    const complete = await send(run.uuid, update(run, { progress: 100, status: 'completed', chunks: 3 }));
    expect(complete.body).toMatchObject({ applied: false, reason: 'final' });
    expect(await row(run.linkId)).toEqual(final);
  });

  it('stores a generic message when failed comes without one', async () => {
    const run = await running();
    const { body } = await send(run.uuid, update(run, { progress: 10, status: 'failed' }));
    expect(body.link).toMatchObject({ ingestion_status: 'failed', ingestion_error: expect.stringMatching(/failed/) });
  });

  it('ignores a callback for an older attempt, and applies one without attempt to the current one', async () => {
    const run = await running();
    await send(run.uuid, update(run, { progress: 30, stage: 'embedding' }));
    const forced = await stack.request('POST', `/api/v1/files/${run.uuid}/reingest`, { knowledgebase_id: 'manuals', force: true });
    expect(forced.body).toMatchObject({ attempt: 2 });
    await waitUntil(
      'attempt 2 processing',
      async () => {
        const link = await stack.link(run.uuid, 'manuals');
        return link.attempt === 2 && link.ingestion_status === 'processing';
      },
      30_000,
    );
    const current = await row(run.linkId);

    for (const old of [
      update(run, { progress: 80, stage: 'storing' }),
      update(run, { progress: 100, status: 'completed', chunks: 9 }),
      update(run, { progress: 30, status: 'failed', error: 'attempt 1 broke' }),
    ]) {
      const answer = await send(run.uuid, old);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ applied: false, reason: 'stale_attempt', link: { attempt: 2, ingestion_status: 'processing' } });
    }
    expect(await row(run.linkId)).toEqual(current);

    // The original service sends no attempt: its reports go to whatever attempt is current.
    const { attempt: _none, ...withoutAttempt } = update(run, { progress: 25, stage: 'embedding' });
    const applied = await send(run.uuid, withoutAttempt);
    expect(applied.body).toMatchObject({ applied: true, link: { attempt: 2, ingestion_progress: 25 } });
  });

  describe('one outcome, one channel: the final report carries it, the answer to /ingest-file only stands in for it', () => {
    const answerDispatch = async (run: Running, status: number, body: unknown) => {
      const inFlight = stack.app.get(PendingDispatches);
      const open = inFlight.size;
      standIn.pendingDispatch(run.linkId, run.attempt)!.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      await waitUntil('the answer to be handled', async () => inFlight.size === open - 1, 10_000);
    };
    const completedAnswer = (run: Running, chunks: number, pages: number) => ({
      status: 'completed',
      file_uuid: run.uuid,
      link_id: run.linkId,
      chunks,
      pages,
      pages_skipped: 0,
      timings_ms: { download: 0, parse: 0, chunk: 0, embed: 0, store: 0, callbacks: 0, total: 0 },
    });

    it('records the page counts of the final completed report', async () => {
      const run = await running();
      const final = await send(run.uuid, update(run, { status: 'completed', progress: 100, processed_docs: 3, total_docs: 3, chunks: 3, pages: 4, pages_skipped: 1 }));
      expect(final.body).toMatchObject({ applied: true, link: { ingestion_status: 'completed', chunk_count: 3, pages: 4, pages_skipped: 1 } });
    });

    it('refuses negative page counts with 400 naming the field', async () => {
      const run = await running();
      const refused = await send(run.uuid, update(run, { status: 'completed', progress: 100, chunks: 3, pages: -1 }));
      expect(refused.status).toBe(400);
      expect(refused.body.message).toContain('pages');
    });

    it('changes nothing with an answer that comes after the final report, whatever it says', async () => {
      const completed = await running();
      await send(completed.uuid, update(completed, { status: 'completed', progress: 100, processed_docs: 3, total_docs: 3, chunks: 3, pages: 4, pages_skipped: 1 }));
      const afterReport = await state(completed.linkId);
      await answerDispatch(completed, 200, completedAnswer(completed, 9, 7));
      expect(await state(completed.linkId)).toEqual(afterReport);

      const failed = await running();
      await send(failed.uuid, update(failed, { status: 'failed', progress: 40, error: 'the PDF is encrypted' }));
      const afterFailure = await state(failed.linkId);
      await answerDispatch(failed, 200, completedAnswer(failed, 9, 7));
      expect(await state(failed.linkId)).toEqual(afterFailure);
    });

    it('ends the attempt from the answer, page counts included, when no final report came', async () => {
      const run = await running();
      await send(run.uuid, update(run, { progress: 60, stage: 'embedding', processed_docs: 6, total_docs: 10 }));
      await answerDispatch(run, 200, completedAnswer(run, 10, 5));
      expect(await stack.link(run.uuid, 'manuals')).toMatchObject({
        ingestion_status: 'completed',
        ingestion_progress: 100,
        chunk_count: 10,
        processed_docs: 10,
        total_docs: 10,
        pages: 5,
        pages_skipped: 0,
        ingestion_error: null,
      });
    });
  });
});
