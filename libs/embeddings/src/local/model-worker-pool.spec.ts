import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbedderClosedError, EmbeddingAbortedError, EmbeddingInputError, LocalModelLoadError, LocalModelWorkerError } from '../errors';
import { LocalEmbedder } from './local-embedder';
import type { LoadRetryOptions } from './load-backoff';
import { ModelWorkerPool } from './model-worker-pool';

// Pool behaviour with a stand-in model that can crash; the real model is tested in local-embedder.spec.ts.
const fakeLoader = join(__dirname, 'testing/fake-model.loader.js');
const flakyLoader = join(__dirname, 'testing/flaky-model.loader.js');
const decode = (v: number[]) => ({ n: Math.round(v[0] / v[2]), threadId: Math.round(v[1] / v[2]) });

describe('ModelWorkerPool', () => {
  let pool: ModelWorkerPool;
  let embedder: LocalEmbedder;

  beforeAll(async () => {
    pool = new ModelWorkerPool({ size: 2, dimensions: 4, loaderModule: fakeLoader });
    embedder = new LocalEmbedder({ provider: 'local', batchSize: 2 }, pool);
    await embedder.warmUp();
  });
  afterAll(() => embedder.close());

  it('spreads batches over every worker and returns vectors in input order', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const progress: number[] = [];
    const vectors = await embedder.embed(texts, { onProgress: (done) => progress.push(done) });
    const decoded = vectors.map(decode);
    expect(decoded.map((d) => d.n)).toEqual(texts.map((_, i) => i));
    expect(new Set(decoded.map((d) => d.threadId)).size).toBe(2);
    expect(progress).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  });

  it('fails the batch of a worker that dies, replaces the worker, and keeps serving', async () => {
    const before = pool.threadIds;
    await expect(embedder.embed(['t1', '__exit__'])).rejects.toThrow(LocalModelWorkerError);
    await expect(embedder.embed(['t1', '__exit__'])).rejects.toThrow(/died while embedding a batch of 2 texts \(exit code 3\)/);
    expect(pool.threadIds).toHaveLength(2);
    expect(pool.threadIds).not.toEqual(before);
    const vectors = await embedder.embed(['t5', 't6', 't7']);
    expect(vectors.map((v) => decode(v).n)).toEqual([5, 6, 7]);
  });

  it('reports a model error on a batch and keeps the worker', async () => {
    const before = pool.threadIds;
    await expect(embedder.embed(['t1', '__throw__'])).rejects.toThrow(/local model failed on a batch of 2 texts: tensor shape mismatch/);
    expect(pool.threadIds).toEqual(before);
  });

  it('rejects empty texts before any work, naming the index', async () => {
    await expect(embedder.embed(['t1', '  '])).rejects.toThrow(EmbeddingInputError);
    await expect(embedder.embed(['t1', ''])).rejects.toThrow(/text 1 is empty/);
  });

  it('stops on abort and stays usable', async () => {
    const controller = new AbortController();
    const texts = Array.from({ length: 40 }, (_, i) => `t${i}`);
    let seen = 0;
    const run = embedder.embed(texts, {
      signal: controller.signal,
      onProgress: (done) => {
        seen = done;
        if (done >= 4) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(EmbeddingAbortedError);
    expect(seen).toBeLessThan(40);
    expect((await embedder.embed(['t9'])).map((v) => decode(v).n)).toEqual([9]);
  });

  describe('a thread that cannot load the model', () => {
    let dir: string;
    let loaderModule: string;
    const pools: ModelWorkerPool[] = [];
    const flaky = (size: number, loadRetry: LoadRetryOptions = { attempts: 2, backoffMs: 20, maxBackoffMs: 100 }) => {
      const created = new ModelWorkerPool({ size, dimensions: 4, loaderModule, loadRetry });
      pools.push(created);
      return created;
    };
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'flaky-model-'));
      loaderModule = join(dir, 'model.loader.js');
      copyFileSync(flakyLoader, loaderModule); // steered by the files next to it
    });
    afterEach(async () => {
      await Promise.all(pools.splice(0).map((p) => p.close()));
      rmSync(dir, { recursive: true, force: true });
    });

    it('is replaced alone: the other thread’s running and waiting batches are all answered', async () => {
      writeFileSync(join(dir, 'fail-once-1'), '');
      const pool = flaky(2);
      const batches = Array.from({ length: 12 }, (_, i) => pool.run([`t${i}`]));
      const threadsAtStart = pool.threadIds;
      const answered = (await Promise.all(batches)).map(([v]) => decode(Array.from(v)));
      expect(answered.map((a) => a.n)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      const replaced = threadsAtStart.filter((id) => !pool.threadIds.includes(id));
      expect(replaced).toHaveLength(1);
      expect(pool.threadIds).toHaveLength(2);
      expect(answered.some((a) => a.threadId === replaced[0])).toBe(false);
      expect(readdirSync(dir)).toEqual(['model.loader.js']); // the failing load did happen
    });

    it('fails calls with the cause while no thread can load it, and recovers once it can', async () => {
      writeFileSync(join(dir, 'broken'), '');
      const pool = flaky(2);
      await expect(pool.warmUp()).rejects.toThrow(LocalModelLoadError);
      await expect(pool.run(['t1'])).rejects.toThrow(/could not be loaded in a worker thread: ENOENT: no such file or directory, open 'model.json'/);
      expect(pool.threadIds).toHaveLength(2); // replaced, not given up

      rmSync(join(dir, 'broken'));
      // Threads started while the model was missing still fail; each try replaces one, after the wait.
      let vectors: Float32Array[] | undefined;
      for (let tries = 0; !vectors && tries < 20; tries++) {
        vectors = await pool.run(['t7']).catch(async (error: unknown) => {
          expect(error).toBeInstanceOf(LocalModelLoadError);
          await new Promise((resolve) => setTimeout(resolve, 50));
          return undefined;
        });
      }
      expect(vectors?.map((v) => decode(Array.from(v)).n)).toEqual([7]);
      await pool.warmUp();
      expect(pool.threadIds).toHaveLength(2);
    });

    it('while the wait after failed loads runs, calls fail at once and no thread is started', async () => {
      writeFileSync(join(dir, 'broken'), '');
      const pool = flaky(1, { attempts: 1, backoffMs: 60_000 });
      await expect(pool.run(['t1'])).rejects.toThrow(LocalModelLoadError);
      const threads = pool.threadIds;
      rmSync(join(dir, 'broken'));
      await expect(pool.run(['t2'])).rejects.toThrow(/could not be loaded in a worker thread: ENOENT/);
      expect(pool.threadIds).toEqual(threads);
    });
  });

  it('close() terminates the workers and rejects pending and later work', async () => {
    const own = new ModelWorkerPool({ size: 2, dimensions: 4, loaderModule: fakeLoader });
    await own.warmUp();
    expect(own.threadIds).toHaveLength(2);
    const pending = Promise.allSettled(Array.from({ length: 6 }, (_, i) => own.run([`t${i}`])));
    await own.close();
    const outcomes = await pending;
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof EmbedderClosedError)).toBe(true);
    expect(own.threadIds).toEqual([]);
    await expect(own.run(['t1'])).rejects.toThrow(EmbedderClosedError);
  });
});
