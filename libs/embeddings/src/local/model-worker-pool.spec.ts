import { join } from 'node:path';
import { EmbedderClosedError, EmbeddingAbortedError, EmbeddingInputError, LocalModelLoadError, LocalModelWorkerError } from '../errors';
import { LocalEmbedder } from './local-embedder';
import { ModelWorkerPool } from './model-worker-pool';

// Pool behaviour with a stand-in model that can crash; the real model is tested in local-embedder.spec.ts.
const fakeLoader = join(__dirname, 'testing/fake-model.loader.js');
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

  it('fails with a load error when no worker can load the model, and warmUp says so too', async () => {
    const broken = new ModelWorkerPool({ size: 2, dimensions: 4, loaderModule: join(__dirname, 'testing/unloadable-model.loader.js') });
    try {
      await expect(broken.run(['t1'])).rejects.toThrow(LocalModelLoadError);
      await expect(broken.warmUp()).rejects.toThrow(/could not be loaded in a worker thread: ENOENT/);
      expect(broken.threadIds).toEqual([]);
    } finally {
      await broken.close();
    }
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
