import { createEmbedder } from '../create-embedder';
import { EmbeddingConfigError, EmbeddingInputError, EmbeddingRequestError, EmbeddingRetriesExhaustedError } from '../errors';
import { EmbedderLlamaIndexEmbedding } from '../llamaindex/embedder-llamaindex-embedding';
import { fakeEmbedding } from '../testing/embedding-stand-in';
import { startVertexAIServer, type VertexAIServer, type VertexAIServerOptions } from '../testing/vertex-ai.server';
import type { VertexEmbedderConfig } from './vertex-embedder';

// The official client (@google/genai, Vertex mode) and Application Default Credentials run
// unchanged; only Google's side is stood in for on 127.0.0.1: the `:predict` endpoint and the
// metadata server's token endpoint, found through GCE_METADATA_HOST as on Cloud Run.
const texts = (n: number, prefix = 'chunk') => Array.from({ length: n }, (_, i) => `${prefix} number ${i} of the document`);
const fast = { retryBaseDelayMs: 5, retryMaxDelayMs: 20 };

describe('google embedder (Vertex AI) through the official client', () => {
  const servers: VertexAIServer[] = [];
  const saved = { host: process.env.GCE_METADATA_HOST, detect: process.env.METADATA_SERVER_DETECTION };
  const start = async (options?: VertexAIServerOptions) => {
    const server = await startVertexAIServer(options);
    servers.push(server);
    process.env.GCE_METADATA_HOST = server.metadataHost;
    process.env.METADATA_SERVER_DETECTION = 'assume-present';
    return server;
  };
  const embedderFor = (server: VertexAIServer, config: Partial<VertexEmbedderConfig> = {}) =>
    createEmbedder({
      provider: 'google',
      model: 'text-embedding-005',
      project: 'sample-project',
      location: 'europe-west1',
      apiEndpoint: server.apiEndpoint,
      ...fast,
      ...config,
    });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    for (const [key, value] of Object.entries({ GCE_METADATA_HOST: saved.host, METADATA_SERVER_DETECTION: saved.detect })) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('embeds chunks as RETRIEVAL_DOCUMENT with a token from the metadata server, vectors in input order', async () => {
    const server = await start();
    const embedder = embedderFor(server, { batchSize: 4 });
    const input = texts(10);
    const vectors = await embedder.embed(input);

    expect(embedder.dimensions).toBe(768);
    expect(vectors).toEqual(input.map((t) => fakeEmbedding(t, 768)));
    expect(server.requests.map((r) => r.inputs.length).sort()).toEqual([2, 4, 4]);
    expect(server.requests.every((r) => r.path === '/v1/projects/sample-project/locations/europe-west1/publishers/google/models/text-embedding-005:predict')).toBe(true);
    expect(server.requests.flatMap((r) => r.taskTypes)).toEqual(Array(10).fill('RETRIEVAL_DOCUMENT'));
    expect(server.requests.every((r) => r.authorization === 'Bearer ya29.stand-in-1' && r.autoTruncate === false)).toBe(true);
    expect(server.tokensIssued).toBe(1);
  });

  it('embeds a search query as RETRIEVAL_QUERY, also through the LlamaIndex adapter', async () => {
    const server = await start();
    const embedder = embedderFor(server, { model: 'text-multilingual-embedding-002' });
    const [vector] = await embedder.embed(['wie hoch ist die Miete?'], { purpose: 'query' });
    expect(vector).toEqual(fakeEmbedding('wie hoch ist die Miete?', 768));
    expect(await new EmbedderLlamaIndexEmbedding(embedder).getQueryEmbedding({ type: 'text', text: 'what is the rent?' })).toEqual(
      fakeEmbedding('what is the rent?', 768),
    );
    expect(server.requests.map((r) => r.taskTypes)).toEqual([['RETRIEVAL_QUERY'], ['RETRIEVAL_QUERY']]);
  });

  it('sends gemini-embedding-001 one text per request, at the asked-for size', async () => {
    const server = await start();
    const embedder = embedderFor(server, { model: 'gemini-embedding-001', dimensions: 256, maxInFlight: 2 });
    const vectors = await embedder.embedFloat32(texts(5), { batchSize: 20 });
    expect(embedder.dimensions).toBe(256);
    expect(vectors.map((v) => v.length)).toEqual([256, 256, 256, 256, 256]);
    expect(server.requests.map((r) => r.inputs.length)).toEqual([1, 1, 1, 1, 1]);
    expect(server.requests.every((r) => r.outputDimensionality === 256)).toBe(true);
    expect(embedderFor(server, { model: 'gemini-embedding-001' }).dimensions).toBe(3072);
  });

  it('keeps every request within 250 texts and the 20,000-token budget', async () => {
    const server = await start();
    const long = Array.from({ length: 300 }, (_, i) => `passage ${i}: ${'the tenant pays the rent on the first day of each month '.repeat(10)}`);
    const vectors = await embedderFor(server, { batchSize: 250, maxInFlight: 1 }).embed(long);
    expect(vectors).toHaveLength(300);
    expect(server.requests.every((r) => r.outcome === 200 && r.inputs.length <= 250)).toBe(true);
    // 300 texts of ~120 tokens: the token budget, not the 250-text limit, cuts the first request.
    expect(server.requests.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a text over 2,048 tokens before sending anything', async () => {
    const server = await start();
    const run = embedderFor(server).embed(['short', 'word '.repeat(3000)]);
    await expect(run).rejects.toThrow(EmbeddingInputError);
    await expect(run).rejects.toThrow(/text 1 has about \d+ tokens; Vertex AI embeds at most 2048 per text/);
    expect(server.requests).toHaveLength(0);
  });

  it('retries 429 RESOURCE_EXHAUSTED, waiting at least the retryDelay Google asks for', async () => {
    const server = await start({
      script: [
        {
          status: 429,
          googleStatus: 'RESOURCE_EXHAUSTED',
          message: 'Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model',
          retryDelay: '1s',
        },
        { status: 503, googleStatus: 'UNAVAILABLE' },
        { drop: true },
      ],
    });
    const vectors = await embedderFor(server, { maxInFlight: 1 }).embed(texts(3));
    expect(vectors).toEqual(texts(3).map((t) => fakeEmbedding(t, 768)));
    expect(server.requests.map((r) => r.outcome)).toEqual([429, 503, 'dropped', 200]);
    const [refused, next] = server.requests;
    expect(next.receivedAt - (refused.answeredAt as number)).toBeGreaterThanOrEqual(1000);
  });

  it('gives up after maxAttempts of quota errors, naming the quota', async () => {
    const server = await start({ script: Array.from({ length: 5 }, () => ({ status: 429, googleStatus: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded' })) });
    const run = embedderFor(server, { maxAttempts: 3 }).embed(texts(2));
    await expect(run).rejects.toThrow(EmbeddingRetriesExhaustedError);
    await expect(run).rejects.toThrow(/failed 3 times; last: HTTP 429: RESOURCE_EXHAUSTED: Quota exceeded/);
    expect(server.requests).toHaveLength(3);
  });

  it('shares one in-flight limit across concurrent calls (the files being ingested)', async () => {
    const server = await start({ delayMs: 100 });
    const embedder = embedderFor(server, { model: 'gemini-embedding-001', maxInFlight: 2 });
    const [a, b, c] = await Promise.all([embedder.embed(texts(4, 'a')), embedder.embed(texts(4, 'b')), embedder.embed(['a query'], { purpose: 'query' })]);
    expect(server.requests).toHaveLength(9);
    expect(server.maxInFlight).toBe(2);
    expect([a[3], b[0], c[0]]).toEqual([fakeEmbedding(texts(4, 'a')[3], 3072), fakeEmbedding(texts(4, 'b')[0], 3072), fakeEmbedding('a query', 3072)]);
  });

  it('fails at once on 400 with Google’s message', async () => {
    const server = await start({ script: [{ status: 400, googleStatus: 'INVALID_ARGUMENT', message: 'Invalid input' }] });
    const run = embedderFor(server, { maxAttempts: 5 }).embed(texts(2));
    await expect(run).rejects.toThrow(EmbeddingRequestError);
    await expect(run).rejects.toThrow(/Vertex AI refused the request \(HTTP 400\): INVALID_ARGUMENT: Invalid input/);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects a configuration that cannot work', () => {
    const base = { provider: 'google', project: 'p', location: 'us-central1' } as const;
    expect(() => createEmbedder({ ...base, model: 'text-embedding-004' })).toThrow(/not a Vertex AI embedding model this service knows/);
    expect(() => createEmbedder({ ...base, model: 'text-embedding-005', dimensions: 1024 })).toThrow(/at most 768 dimensions, not 1024/);
    expect(() => createEmbedder({ ...base, model: 'text-embedding-005', project: '' })).toThrow(EmbeddingConfigError);
    expect(() => createEmbedder({ ...base, model: 'text-embedding-005', apiEndpoint: 'localhost:1' })).toThrow(/not an absolute URL/);
  });
});
