import { Document, IngestionPipeline, MetadataMode, SentenceSplitter } from 'llamaindex';
import { createEmbedder } from '../create-embedder';
import { toLlamaIndexEmbedding } from '../index';
import { fakeEmbedding } from '../testing/embedding-stand-in';
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from '../testing/openai-compatible.server';

describe('LlamaIndex adapter', () => {
  let server: OpenAICompatibleServer;
  beforeAll(async () => {
    server = await startOpenAICompatibleServer({ dimensions: 8 });
  });
  afterAll(() => server.close());

  it('hands each LlamaIndex batch to the Embedder in one call, not text by text', async () => {
    const embedder = createEmbedder({ provider: 'openai', model: 'test-embed', baseURL: server.baseURL, batchSize: 50 });
    const adapter = toLlamaIndexEmbedding(embedder, { embedBatchSize: 4 });
    const texts = Array.from({ length: 10 }, (_, i) => `paragraph ${i}`);
    server.requests.length = 0;

    const vectors = await adapter.getTextEmbeddingsBatch(texts);

    expect(vectors).toEqual(texts.map((t) => fakeEmbedding(t, 8)));
    expect(server.requests.map((r) => r.inputs.length)).toEqual([4, 4, 2]);
    expect(await adapter.getQueryEmbedding({ type: 'text', text: 'a question' })).toEqual(fakeEmbedding('a question', 8));
  });

  it('embeds the nodes of a plain LlamaIndex ingestion pipeline', async () => {
    const embedder = createEmbedder({ provider: 'openai', model: 'test-embed', baseURL: server.baseURL });
    const pipeline = new IngestionPipeline({
      transformations: [new SentenceSplitter({ chunkSize: 80, chunkOverlap: 0 }), toLlamaIndexEmbedding(embedder, { embedBatchSize: 100 })],
    });
    const text = Array.from({ length: 80 }, (_, i) => `Sentence ${i} talks about topic ${i % 4}.`).join(' ');
    const nodes = await pipeline.run({ documents: [new Document({ text, id_: 'doc-1' })] });

    expect(nodes.length).toBeGreaterThan(2);
    for (const node of nodes) expect(node.embedding).toEqual(fakeEmbedding(node.getContent(MetadataMode.EMBED), 8));
  });

  it('gives LlamaIndex the same vectors as the local model in the pool', async () => {
    const local = createEmbedder({ provider: 'local', workers: 1 });
    try {
      const adapter = toLlamaIndexEmbedding(local);
      const texts = ['Refunds are issued within five business days.', 'The warehouse closes at six.'];
      expect(await adapter.getTextEmbeddingsBatch(texts)).toEqual(await local.embed(texts));
      expect(adapter.embedInfo?.dimensions).toBe(512);
    } finally {
      await local.close();
    }
  }, 60_000);
});
