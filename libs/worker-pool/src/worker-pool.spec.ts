import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerModuleLoadError, WorkerPool, WorkerPoolClosedError } from './index';

interface Task {
  ms: number;
  value: number;
}
interface Reply {
  value: number;
  threadId: number;
}

describe('WorkerPool', () => {
  const file = join(__dirname, 'testing/sleepy.worker.js');
  const pools: Array<WorkerPool<Task, Reply>> = [];
  const pool = (threads: number, keptThreads = 0, module = file) => {
    const created = new WorkerPool<Task, Reply>({ file: module, threads, keptThreads });
    pools.push(created);
    return created;
  };
  afterAll(() => Promise.all(pools.map((p) => p.close())));

  it('runs at most one task per thread; the others wait in order and start when a thread frees', async () => {
    const two = pool(2);
    const started: number[] = [];
    const replies = await Promise.all([0, 1, 2, 3, 4].map((value) => two.run({ ms: 50, value }, { onStart: () => started.push(value) })));
    expect(replies.map((r) => r.value)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(replies.map((r) => r.threadId)).size).toBe(2);
  });

  it('a task aborted while waiting leaves the queue and never runs', async () => {
    const one = pool(1);
    const controller = new AbortController();
    const started: number[] = [];
    const first = one.run({ ms: 200, value: 1 }, { onStart: () => started.push(1) });
    const second = one.run({ ms: 10, value: 2 }, { signal: controller.signal, onStart: () => started.push(2) });
    controller.abort(new Error('not wanted'));
    await expect(second).rejects.toThrow('not wanted');
    await expect(first).resolves.toMatchObject({ value: 1 });
    expect(started).toEqual([1]);
  });

  it('without interrupt, an abort drops the running task’s result and keeps its thread; with it, the thread is replaced', async () => {
    const one = pool(1, 1);
    const [thread] = one.threadIds;
    const dropped = new AbortController();
    const running = one.run({ ms: 150, value: 1 }, { signal: dropped.signal });
    setTimeout(() => dropped.abort(new Error('dropped')), 20);
    await expect(running).rejects.toThrow('dropped');
    // The thread finishes the dropped task before it takes the next.
    expect(await one.run({ ms: 1, value: 2 })).toEqual({ value: 2, threadId: thread });

    const interrupted = new AbortController();
    const stopped = one.run({ ms: 10_000, value: 3 }, { signal: interrupted.signal, interrupt: true });
    setTimeout(() => interrupted.abort(), 20);
    await expect(stopped).rejects.toThrow();
    const after = await one.run({ ms: 1, value: 4 });
    expect(after.value).toBe(4);
    expect(after.threadId).not.toBe(thread);
  });

  it('close() fails waiting tasks with WorkerPoolClosedError and refuses later ones', async () => {
    const one = pool(1);
    const running = one.run({ ms: 100, value: 1 }).catch((e: unknown) => e);
    const waiting = one.run({ ms: 1, value: 2 }).catch((e: unknown) => e);
    await one.close();
    expect(await waiting).toBeInstanceOf(WorkerPoolClosedError);
    expect(await running).toBeInstanceOf(Error);
    await expect(one.run({ ms: 1, value: 3 })).rejects.toBeInstanceOf(WorkerPoolClosedError);
  });

  it('a module that cannot be loaded fails each task with the cause, and neither stalls tasks nor ends this process', async () => {
    const broken = pool(2, 1, join(__dirname, 'testing/unloadable.worker.js'));
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((value) => broken.run({ ms: 1, value })));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(WorkerModuleLoadError);
      expect((outcome as PromiseRejectedResult).reason.message).toMatch(/could not load .*unloadable\.worker\.js: Cannot find module 'pdfjs-dist/);
    }
    // Later tasks get threads too, and the same answer.
    await expect(broken.run({ ms: 1, value: 5 })).rejects.toThrow(WorkerModuleLoadError);
  });

  it('a thread that fails to load its module is replaced alone: the other thread’s running and waiting tasks are answered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flaky-load-'));
    try {
      const module = join(dir, 'flaky-load.worker.js');
      copyFileSync(join(__dirname, 'testing/flaky-load.worker.js'), module);
      writeFileSync(join(dir, 'fail-once'), '');
      const two = pool(2, 2, module);
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, value) => two.run({ ms: 30, value })));
      expect(existsSync(join(dir, 'fail-once'))).toBe(false); // one thread did fail to load
      const failed = outcomes.filter((o) => o.status === 'rejected');
      // At most the task given to the failing thread fails, with the cause; the rest are answered.
      expect(failed.length).toBeLessThanOrEqual(1);
      for (const f of failed) expect((f as PromiseRejectedResult).reason.message).toMatch(/out of memory while loading the parsers/);
      const answered = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.value] : []));
      expect(answered).toHaveLength(8 - failed.length);
      expect(await two.run({ ms: 1, value: 9 })).toMatchObject({ value: 9 });
      expect(two.threadIds).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
