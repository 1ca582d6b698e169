import { join } from 'node:path';
import { WorkerPool, WorkerPoolClosedError } from './index';

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
  const pool = (threads: number, keptThreads = 0) => {
    const created = new WorkerPool<Task, Reply>({ file, threads, keptThreads });
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
});
