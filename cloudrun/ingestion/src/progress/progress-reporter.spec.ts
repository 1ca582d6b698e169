import { apiKeyAuth } from '@docingest/service-auth';
import { CallbackReceiver, waitUntil } from '@docingest/contracts/testing';
import { CallbackClient } from './callback-client';
import { ProgressReporter } from './progress-reporter';
import { overallPercent } from './stage-progress';

const FILE = '6f1c1f8e-3b7e-4c57-9a59-3c1d2f0e9a11';

describe('ProgressReporter', () => {
  let receiver: CallbackReceiver;
  const events: string[] = [];
  const reporterFor = (url: string, options: Partial<ConstructorParameters<typeof ProgressReporter>[2]> = {}) =>
    new ProgressReporter(
      new CallbackClient(url, apiKeyAuth('k'), 2000),
      { fileUuid: FILE, linkId: 5, attempt: 2 },
      {
        everyChunks: 10,
        minIntervalMs: 0,
        finalRetryMs: 2000,
        log: (event) => events.push(event),
        ...options,
      },
    );

  beforeEach(async () => {
    receiver = await new CallbackReceiver().start();
    events.length = 0;
  });
  afterEach(() => receiver.stop());

  it('reports every stage, every N chunks, and a final completed with 100 %', async () => {
    const reporter = reporterFor(receiver.url);
    reporter.stage('downloading');
    await new Promise((r) => setTimeout(r, 50));
    reporter.stage('embedding', 100);
    for (let done = 1; done <= 100; done++) {
      reporter.advance('embedding', done, 100);
      if (done % 10 === 0) await new Promise((r) => setTimeout(r, 20)); // let the sender keep up
    }
    await reporter.finish({ status: 'completed', chunks: 100 });
    const updates = receiver.for(FILE);
    expect(updates[0]).toMatchObject({ stage: 'downloading', progress: 0, status: 'processing', link_id: 5, attempt: 2 });
    const embedding = updates.filter((u) => u.stage === 'embedding' && u.processed_docs > 0);
    expect(embedding.length).toBeGreaterThanOrEqual(5);
    expect(embedding.length).toBeLessThanOrEqual(10);
    expect(embedding.every((u) => u.processed_docs % 10 === 0)).toBe(true);
    expect(updates.at(-1)).toEqual({ progress: 100, processed_docs: 100, total_docs: 100, link_id: 5, status: 'completed', chunks: 100, attempt: 2 });
    for (let i = 1; i < updates.length; i++) expect(updates[i].progress).toBeGreaterThanOrEqual(updates[i - 1].progress);
  });

  it('sends no more than one report per interval within a stage', async () => {
    const reporter = reporterFor(receiver.url, { everyChunks: 1, minIntervalMs: 60_000 });
    reporter.stage('embedding', 50);
    for (let done = 1; done <= 50; done++) reporter.advance('embedding', done, 50);
    await reporter.finish({ status: 'completed', chunks: 50 });
    expect(receiver.for(FILE).map((u) => u.status)).toEqual(['processing', 'completed']);
  });

  it('sends the last report again while a stage is silent (heartbeat), and stops at the final report', async () => {
    const reporter = reporterFor(receiver.url, { heartbeatMs: 100 });
    reporter.stage('parsing');
    // A long parse: nothing moves, yet the api keeps hearing from the service.
    const deadline = Date.now() + 30_000;
    while (receiver.for(FILE).filter((u) => u.stage === 'parsing').length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const parsing = receiver.for(FILE).filter((u) => u.stage === 'parsing');
    expect(parsing.length).toBeGreaterThanOrEqual(4);
    expect(new Set(parsing.map((u) => JSON.stringify(u))).size).toBe(1);
    expect(events).toContain('progress.heartbeat');
    await reporter.finish({ status: 'completed', chunks: 1 });
    const sent = receiver.attempts;
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.attempts).toBe(sent);
    expect(receiver.for(FILE).at(-1)).toMatchObject({ status: 'completed' });
  });

  it('reports a failure with its message and the stage', async () => {
    const reporter = reporterFor(receiver.url);
    reporter.stage('parsing');
    await reporter.finish({ status: 'failed', error: 'the PDF is password-protected', stage: 'parsing' });
    expect(receiver.for(FILE).at(-1)).toMatchObject({ status: 'failed', error: 'the PDF is password-protected', stage: 'parsing' });
  });

  it('retries the final report until the api answers', async () => {
    receiver.answerStatus = 503;
    const reporter = reporterFor(receiver.url, { finalRetryMs: 10_000 });
    setTimeout(() => (receiver.answerStatus = 200), 700);
    await reporter.finish({ status: 'completed', chunks: 3 });
    expect(receiver.for(FILE)).toEqual([expect.objectContaining({ status: 'completed', chunks: 3 })]);
    expect(reporter.deliveredCount).toBe(1);
  });

  it('gives up on an api that is down without throwing, and does not retry a 4xx', async () => {
    const down = reporterFor('http://127.0.0.1:9', { finalRetryMs: 300 });
    down.stage('downloading');
    await expect(down.finish({ status: 'failed', error: 'x' })).resolves.toBeUndefined();
    expect(events).toContain('progress.final_undelivered');

    receiver.answerStatus = 409;
    const rejected = reporterFor(receiver.url, { finalRetryMs: 5000 });
    const before = receiver.attempts;
    await rejected.finish({ status: 'completed', chunks: 1 });
    expect(receiver.attempts - before).toBe(1);
    expect(rejected.deliveredCount).toBe(0);
  });

  it('a confirm sent ahead keeps the order: no earlier stage after it, the final report after its answer', async () => {
    const reporter = reporterFor(receiver.url);
    reporter.stage('embedding', 3);
    const confirmed = reporter.confirm('storing', 3);
    // The file's last vectors come back while the storing boundary is being confirmed.
    reporter.advance('embedding', 3, 3);
    const finished = reporter.finish({ status: 'completed', chunks: 3 });
    await Promise.all([confirmed, finished]);
    expect(receiver.for(FILE).map((u) => u.stage ?? u.status)).toEqual(['embedding', 'storing', 'completed']);
  });

  it('holds reports: a file quicker than the hold sends the storing boundary and the final report alone, in order', async () => {
    const reporter = reporterFor(receiver.url, { holdMs: 60_000 });
    reporter.stage('downloading');
    reporter.stage('parsing');
    reporter.stage('chunking');
    reporter.stage('embedding', 3);
    reporter.advance('embedding', 3, 3);
    // Neither waits out the hold: the test would time out if they did.
    await reporter.confirm('storing', 3);
    await reporter.finish({ status: 'completed', chunks: 3 });
    expect(receiver.for(FILE).map((u) => [u.status, u.stage])).toEqual([
      ['processing', 'storing'],
      ['completed', undefined],
    ]);
    expect(receiver.attempts).toBe(2);
  });

  it('the final report does not wait out the hold of a report given while a confirm was on its way', async () => {
    // A hold longer than the test's time limit.
    const reporter = reporterFor(receiver.url, { holdMs: 10 * 60_000 });
    reporter.stage('embedding', 3);
    const confirmed = reporter.confirm('storing', 3);
    // Once the report the confirm dropped is done with, while the confirm's request is still out.
    await new Promise((resolve) => setImmediate(resolve));
    reporter.stage('storing', 3);
    // The test would time out if the final report waited for the held one.
    await Promise.all([confirmed, reporter.finish({ status: 'completed', chunks: 3 })]);
    expect(receiver.for(FILE).map((u) => u.status)).toEqual(['processing', 'completed']);
  });

  it('sends a held report once the hold is over, the latest of those given meanwhile', async () => {
    const reporter = reporterFor(receiver.url, { holdMs: 30 });
    reporter.stage('downloading');
    reporter.stage('parsing');
    await waitUntil('the held report', async () => receiver.for(FILE).length > 0 || undefined, 10_000);
    expect(receiver.for(FILE)).toEqual([expect.objectContaining({ status: 'processing', stage: 'parsing' })]);
    await reporter.finish({ status: 'failed', error: 'x', stage: 'parsing' });
    expect(receiver.for(FILE).map((u) => u.status)).toEqual(['processing', 'failed']);
  });

  it('does not report the storing boundary once an earlier answer said to stop', async () => {
    receiver.answerBody = { applied: false, cancel: 'removed' };
    const reporter = reporterFor(receiver.url);
    reporter.stage('embedding', 3);
    await expect(reporter.confirm('storing', 3)).resolves.toBe('removed');
    await expect(reporter.confirm('storing', 3)).resolves.toBe('removed');
    expect(receiver.for(FILE).map((u) => u.stage)).toEqual(['embedding']);
  });

  it('maps stages to bands of the overall percentage', () => {
    expect(overallPercent('downloading')).toBe(0);
    expect(overallPercent('embedding', 0, 10)).toBe(15);
    expect(overallPercent('embedding', 10, 10)).toBe(85);
    expect(overallPercent('storing', 5, 10)).toBe(92);
  });
});
