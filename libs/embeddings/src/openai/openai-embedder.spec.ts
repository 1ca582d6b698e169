import { startLoopbackServer } from '@docingest/contracts/testing';
import { createEmbedder } from '../create-embedder';
import type { Embedder } from '../embedder';
import {
  EmbeddingAbortedError,
  EmbeddingConfigError,
  EmbeddingRateLimitedError,
  EmbeddingRequestError,
  EmbeddingResponseError,
  EmbeddingRetriesExhaustedError,
} from '../errors';
import { fakeEmbedding } from '../testing/embedding-stand-in';
import { startOpenAICompatibleServer, type OpenAICompatibleServer, type OpenAICompatibleServerOptions } from '../testing/openai-compatible.server';
import type { OpenAIEmbedderConfig } from './openai-embedder';

// Every test talks over a real socket to an OpenAI-compatible server on 127.0.0.1.
const texts = (n: number) => Array.from({ length: n }, (_, i) => `chunk number ${i} of the document`);
const fast = { retryBaseDelayMs: 5, retryMaxDelayMs: 20 };
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('openai embedder against an OpenAI-compatible server', () => {
  const servers: OpenAICompatibleServer[] = [];
  const start = async (options?: OpenAICompatibleServerOptions) => {
    const server = await startOpenAICompatibleServer(options);
    servers.push(server);
    return server;
  };
  const embedderFor = (server: OpenAICompatibleServer, config: Partial<OpenAIEmbedderConfig> = {}): Embedder =>
    createEmbedder({ provider: 'openai', model: 'test-embed', baseURL: server.baseURL, apiKey: 'sk-test', ...fast, ...config });
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('sends batches of batchSize inputs and returns the vectors in input order', async () => {
    const server = await start({ dimensions: 8, reverseData: true, apiKey: 'sk-test' });
    const embedder = embedderFor(server, { batchSize: 4 });
    const input = texts(10);
    const progress: number[] = [];
    const vectors = await embedder.embed(input, { onProgress: (done) => progress.push(done) });

    expect(vectors).toEqual(input.map((t) => fakeEmbedding(t, 8)));
    expect(server.requests.map((r) => r.inputs.length).sort()).toEqual([2, 4, 4]);
    expect(server.requests.flatMap((r) => r.inputs).sort()).toEqual([...input].sort());
    expect(server.requests.every((r) => r.model === 'test-embed' && r.authorization === 'Bearer sk-test' && r.dimensions === undefined)).toBe(true);
    expect(progress.at(-1)).toBe(10);
    expect(embedder.dimensions).toBe(8);
  });

  it('a per-call batchSize overrides the configured one', async () => {
    const server = await start();
    await embedderFor(server, { batchSize: 4 }).embed(texts(9), { batchSize: 3 });
    expect(server.requests.map((r) => r.inputs.length)).toEqual([3, 3, 3]);
  });

  it('never has more than maxInFlight requests open, even across concurrent embed() calls', async () => {
    const server = await start({ delayMs: 150 });
    const embedder = embedderFor(server, { batchSize: 2, maxInFlight: 3 });
    const [a, b] = await Promise.all([embedder.embed(texts(12)), embedder.embed(texts(8).map((t) => `other ${t}`))]);
    expect(server.requests).toHaveLength(10);
    expect(server.maxInFlight).toBe(3);
    expect(a[11]).toEqual(fakeEmbedding(texts(12)[11], 16));
    expect(b[0]).toEqual(fakeEmbedding(`other ${texts(1)[0]}`, 16));
  });

  it('while every slot is busy, concurrent calls share the next request, never beyond a call’s batch size', async () => {
    const server = await start({ delayMs: 200 });
    const embedder = embedderFor(server, { batchSize: 20, maxInFlight: 1 });
    const call = (name: string, n: number, batchSize?: number) =>
      embedder.embed(
        texts(n).map((t) => `${name} ${t}`),
        { batchSize },
      );
    const first = call('a', 3);
    await new Promise((resolve) => setTimeout(resolve, 50)); // a's request is on the wire
    const [a, b, c, d, e] = await Promise.all([first, call('b', 3), call('c', 5), call('d', 4, 4), call('e', 2)]);

    // a alone; then b, c and e together (d's own batch size of 4 keeps it out), then d.
    expect(server.requests.map((r) => r.inputs.length)).toEqual([3, 10, 4]);
    expect(server.maxInFlight).toBe(1);
    for (const [name, vectors, n] of [
      ['a', a, 3],
      ['b', b, 3],
      ['c', c, 5],
      ['d', d, 4],
      ['e', e, 2],
    ] as const) {
      expect(vectors).toEqual(texts(n).map((t) => fakeEmbedding(`${name} ${t}`, 16)));
    }
  });

  it('sends a refused shared request again call by call, so each call gets its own answer', async () => {
    const server = await start({ delayMs: 100, maxInputsPerRequest: 5 });
    const embedder = embedderFor(server, { batchSize: 10, maxInFlight: 1 });
    const first = embedder.embed(['warm']);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const [, b, c] = await Promise.all([first, embedder.embed(texts(3).map((t) => `b ${t}`)), embedder.embed(texts(3).map((t) => `c ${t}`))]);
    expect(server.requests.map((r) => [r.inputs.length, r.outcome])).toEqual([
      [1, 200],
      [6, 400],
      [3, 200],
      [3, 200],
    ]);
    expect(b).toEqual(texts(3).map((t) => fakeEmbedding(`b ${t}`, 16)));
    expect(c).toEqual(texts(3).map((t) => fakeEmbedding(`c ${t}`, 16)));
  });

  it('a call aborted while it shares a request leaves the other call’s answer intact', async () => {
    const server = await start({ delayMs: 200 });
    const embedder = embedderFor(server, { batchSize: 10, maxInFlight: 1 });
    const first = embedder.embed(['warm']);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const controller = new AbortController();
    const leaving = embedder.embed(
      texts(2).map((t) => `b ${t}`),
      { signal: controller.signal },
    );
    const staying = embedder.embed(texts(2).map((t) => `c ${t}`));
    await first;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the shared request is on the wire
    controller.abort();
    await expect(leaving).rejects.toThrow(EmbeddingAbortedError);
    expect(await staying).toEqual(texts(2).map((t) => fakeEmbedding(`c ${t}`, 16)));
    expect(server.requests.map((r) => [r.inputs.length, r.outcome])).toEqual([
      [1, 200],
      [4, 200],
    ]);
  });

  it('fills a request from the queue head across calls in arrival order, cutting a batch where the request is full', async () => {
    const server = await start();
    const embedder = embedderFor(server, { batchSize: 10, maxInFlight: 1 });
    server.hold();
    const first = embedder.embed(['warm']);
    await until(() => server.waiting === 1);
    const calls = (['a', 'b', 'c'] as const).map((name) => embedder.embed(texts(6).map((t) => `${name} ${t}`)));
    server.release();
    const [, ...answers] = await Promise.all([first, ...calls]);

    const origins = server.requests.map((r) => r.inputs.map((input) => input.split(' ')[0]).join(''));
    expect(origins).toEqual(['warm', 'aaaaaabbbb', 'bbcccccc']);
    for (const [i, name] of (['a', 'b', 'c'] as const).entries()) {
      expect(answers[i]).toEqual(texts(6).map((t) => fakeEmbedding(`${name} ${t}`, 16)));
    }
  });

  it('a call aborted while queued takes its texts out of the queue; its part of a request on the wire is dropped', async () => {
    const server = await start();
    const embedder = embedderFor(server, { batchSize: 10, maxInFlight: 1 }) as Embedder & { queuedTexts: number };
    server.hold();
    const first = embedder.embed(['warm']);
    await until(() => server.waiting === 1);
    const a = embedder.embed(texts(8).map((t) => `a ${t}`));
    const controller = new AbortController();
    const leaving = embedder.embed(
      texts(8).map((t) => `b ${t}`),
      { signal: controller.signal },
    );
    const c = embedder.embed(texts(4).map((t) => `c ${t}`));
    server.release();
    server.hold(); // the next request (a's 8 and b's first 2) waits at the server
    await first;
    await until(() => server.waiting === 1);
    expect(embedder.queuedTexts).toBe(10); // b's other 6, c's 4
    controller.abort();
    await expect(leaving).rejects.toThrow(EmbeddingAbortedError);
    expect(embedder.queuedTexts).toBe(4);
    server.release();

    expect(await a).toEqual(texts(8).map((t) => fakeEmbedding(`a ${t}`, 16)));
    expect(await c).toEqual(texts(4).map((t) => fakeEmbedding(`c ${t}`, 16)));
    const origins = server.requests.map((r) => r.inputs.map((input) => input.split(' ')[0]).join(''));
    expect(origins).toEqual(['warm', 'aaaaaaaabb', 'cccc']);
  });

  it('one call’s input the server refuses fails that call alone, with the server’s message; the others get their vectors', async () => {
    const server = await start({ maxInputChars: 100 });
    const embedder = embedderFor(server, { batchSize: 10, maxInFlight: 1 });
    server.hold();
    const first = embedder.embed(['warm']);
    await until(() => server.waiting === 1);
    const a = embedder.embed(texts(3).map((t) => `a ${t}`));
    const b = embedder.embed([`b short`, `b ${'long '.repeat(40)}`]);
    const c = embedder.embed(texts(3).map((t) => `c ${t}`));
    b.catch(() => undefined);
    server.release();
    await first;

    await expect(b).rejects.toThrow(EmbeddingRequestError);
    await expect(b).rejects.toThrow(/refused the request \(HTTP 400\): 'input\[1\]' is too long/);
    expect(await a).toEqual(texts(3).map((t) => fakeEmbedding(`a ${t}`, 16)));
    expect(await c).toEqual(texts(3).map((t) => fakeEmbedding(`c ${t}`, 16)));
    expect(server.requests.map((r) => [r.inputs.map((input) => input.split(' ')[0]).join(''), r.outcome])).toEqual([
      ['warm', 200],
      ['aaabbccc', 400],
      ['aaa', 200],
      ['bb', 400],
      ['ccc', 200],
    ]);
  });

  it('embedFloat32 gives the same vectors as Float32Array', async () => {
    const server = await start({ dimensions: 8 });
    const embedder = embedderFor(server, { batchSize: 3 });
    const vectors = await embedder.embedFloat32(texts(5));
    expect(vectors.every((v) => v instanceof Float32Array && v.length === 8)).toBe(true);
    expect(vectors.map((v) => Array.from(v))).toEqual(texts(5).map((t) => Array.from(Float32Array.from(fakeEmbedding(t, 8)))));
    expect(embedder.parallelism).toBe(4);
  });

  it('on 429 with Retry-After, waits at least that long before the next request', async () => {
    const server = await start({ script: [{ status: 429, retryAfter: '1', message: 'Rate limit reached for requests' }] });
    const embedder = embedderFor(server, { batchSize: 2, maxInFlight: 1 });
    const vectors = await embedder.embed(texts(4));

    expect(vectors).toEqual(texts(4).map((t) => fakeEmbedding(t, 16)));
    const [refused, retried] = server.requests;
    expect(refused.outcome).toBe(429);
    expect(retried.inputs).toEqual(refused.inputs);
    expect(retried.receivedAt - (refused.answeredAt as number)).toBeGreaterThanOrEqual(1000);
    expect(server.requests.map((r) => r.outcome)).toEqual([429, 200, 200]);
  });

  it('retries 500s and dropped connections, then succeeds', async () => {
    const server = await start({ script: [{ status: 500, message: 'The server had an error' }, { drop: true }, { status: 503 }] });
    const embedder = embedderFor(server, { batchSize: 5, maxInFlight: 1 });
    const vectors = await embedder.embed(texts(5));
    expect(vectors).toEqual(texts(5).map((t) => fakeEmbedding(t, 16)));
    expect(server.requests.map((r) => r.outcome)).toEqual([500, 'dropped', 503, 200]);
  });

  it('gives up after maxAttempts with the last failure in the message', async () => {
    const server = await start({ script: Array.from({ length: 10 }, () => ({ status: 502, message: 'Bad gateway' })) });
    const run = embedderFor(server, { batchSize: 5, maxInFlight: 1, maxAttempts: 3 }).embed(texts(5));
    await expect(run).rejects.toThrow(EmbeddingRetriesExhaustedError);
    await expect(run).rejects.toThrow(/failed 3 times; last: HTTP 502: Bad gateway/);
    expect(server.requests).toHaveLength(3);
  });

  it('fails at once on 400 with the server message, sending nothing more', async () => {
    const server = await start({ script: [{ status: 400, message: "This model's maximum context length is 8192 tokens" }] });
    const run = embedderFor(server, { batchSize: 2, maxInFlight: 1, maxAttempts: 5 }).embed(texts(6));
    await expect(run).rejects.toThrow(EmbeddingRequestError);
    await expect(run).rejects.toThrow(/refused the request \(HTTP 400\): This model's maximum context length is 8192 tokens/);
    expect(server.requests).toHaveLength(1);
  });

  it('does not follow a redirect: it fails as the answer it is, and the other address is sent nothing', async () => {
    const target = await start();
    const redirecting = await startLoopbackServer((req, res) => res.writeHead(308, { location: `${target.baseURL}/embeddings` }).end());
    try {
      const run = embedderFor(target, { baseURL: redirecting.url, maxAttempts: 1 }).embed(texts(2));
      await expect(run).rejects.toMatchObject({ status: 308 });
      expect(target.requests).toHaveLength(0);
    } finally {
      await redirecting.close();
    }
  });

  it('fails on 401 with the server message when the key is wrong', async () => {
    const server = await start({ apiKey: 'sk-right' });
    const run = embedderFor(server, { apiKey: 'sk-wrong' }).embed(texts(1));
    await expect(run).rejects.toMatchObject({ status: 401, serverMessage: 'Incorrect API key provided' });
  });

  it('fails without waiting when Retry-After is beyond maxRetryAfterMs', async () => {
    const server = await start({ script: [{ status: 429, retryAfter: '120' }] });
    const run = embedderFor(server, { batchSize: 2, maxInFlight: 1 }).embed(texts(2));
    await expect(run).rejects.toThrow(EmbeddingRateLimitedError);
    await expect(run).rejects.toThrow(/asks to wait 120 s/);
    expect(server.requests).toHaveLength(1);
  });

  it('sends dimensions when configured and rejects vectors of another size', async () => {
    const server = await start();
    const sized = embedderFor(server, { dimensions: 6 });
    expect(sized.dimensions).toBe(6);
    expect((await sized.embed(texts(2)))[0]).toHaveLength(6);
    expect(server.requests[0].dimensions).toBe(6);

    const mismatched = embedderFor(server, { model: 'text-embedding-3-small' });
    expect(mismatched.dimensions).toBe(1536);
    await expect(mismatched.embed(texts(1))).rejects.toThrow(EmbeddingResponseError);
  });

  it('learns the size of an unknown model from its first answer (resolveDimensions)', async () => {
    const server = await start({ dimensions: 12 });
    const embedder = embedderFor(server);
    expect(embedder.dimensions).toBeUndefined();
    expect(await embedder.resolveDimensions()).toBe(12);
    expect(embedder.dimensions).toBe(12);
  });

  it('stops on abort, cancelling what is in flight', async () => {
    const server = await start({ delayMs: 5_000 });
    const controller = new AbortController();
    const run = embedderFor(server, { batchSize: 2, maxInFlight: 2 }).embed(texts(10), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(run).rejects.toThrow(EmbeddingAbortedError);
    expect(server.requests.length).toBeLessThanOrEqual(2);
  });

  it('rejects a configuration that cannot work', () => {
    expect(() => createEmbedder({ provider: 'openai', model: '' })).toThrow(EmbeddingConfigError);
    expect(() => createEmbedder({ provider: 'openai', model: 'm', baseURL: 'api.openai.com' })).toThrow(/not an absolute URL/);
    expect(() => createEmbedder({ provider: 'openai', model: 'm', maxInFlight: 0 })).toThrow(/maxInFlight must be a positive integer/);
    expect(() => createEmbedder({ provider: 'cohere' } as never)).toThrow(/unknown embedding provider 'cohere'/);
  });
});
