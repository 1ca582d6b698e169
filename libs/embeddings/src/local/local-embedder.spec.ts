import { EmbedderClosedError, EmbeddingConfigError } from '../errors';
import { createEmbedder } from '../create-embedder';
import type { Embedder } from '../embedder';

// The real Universal Sentence Encoder lite, in a real pool of two worker threads shared by all tests.
const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);
const norm = (v: number[]) => Math.sqrt(cosine(v, v));

const SENTENCES = [
  'The invoice must be paid within thirty days of delivery.',
  'Payment is due no later than one month after the goods arrive.',
  'Penguins huddle together to survive the Antarctic winter.',
  'The central bank raised interest rates to curb inflation.',
  'Our hiking trail follows the river up into the mountains.',
];

describe('local embedder (universal-sentence-encoder-lite in worker threads)', () => {
  let embedder: Embedder;

  beforeAll(async () => {
    embedder = createEmbedder({ provider: 'local', model: 'use-lite', workers: 2, batchSize: 4 });
    await embedder.warmUp();
  }, 60_000);
  afterAll(() => embedder.close());

  it('gives 512-dimension unit vectors under the canonical model name', async () => {
    expect(embedder.model).toBe('universal-sentence-encoder-lite');
    expect(embedder.dimensions).toBe(512);
    const vectors = await embedder.embed(SENTENCES);
    expect(vectors).toHaveLength(SENTENCES.length);
    for (const v of vectors) {
      expect(v).toHaveLength(512);
      expect(Math.abs(norm(v) - 1)).toBeLessThan(1e-5);
    }
  });

  it('is deterministic: the same text gives the same vector in another batch, position and worker', async () => {
    const [alone] = await embedder.embed([SENTENCES[2]]);
    const among = await embedder.embed([SENTENCES[0], SENTENCES[1], SENTENCES[3], SENTENCES[4], SENTENCES[2]]);
    const again = among[4];
    expect(again.every((x, i) => Math.abs(x - alone[i]) < 1e-6)).toBe(true);
    expect(cosine(alone, again)).toBeGreaterThan(0.99999);
  });

  it('places paraphrases closer than unrelated sentences', async () => {
    const [invoice, paymentDue, penguins, bank, hiking] = await embedder.embed(SENTENCES);
    const paraphrase = cosine(invoice, paymentDue);
    for (const unrelated of [penguins, bank, hiking]) expect(paraphrase).toBeGreaterThan(cosine(invoice, unrelated) + 0.1);
  });

  it('keeps input order across workers (40 texts in 10 batches)', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `${SENTENCES[i % SENTENCES.length]} Item number ${i}.`);
    const progress: number[] = [];
    const forward = await embedder.embed(texts, { onProgress: (done, total) => progress.push(done / total) });
    const backward = (await embedder.embed([...texts].reverse())).reverse();
    forward.forEach((v, i) => expect(cosine(v, backward[i])).toBeGreaterThan(0.99999));
    // Neighbours differ only in the item number, so a shifted result would show up here.
    expect(cosine(forward[0], forward[5])).toBeLessThan(0.99999);
    expect(progress.at(-1)).toBe(1);
  });

  it('rejects an unknown local model with the accepted names', () => {
    expect(() => createEmbedder({ provider: 'local', model: 'all-MiniLM-L6-v2' })).toThrow(EmbeddingConfigError);
    expect(() => createEmbedder({ provider: 'local', model: 'all-MiniLM-L6-v2' })).toThrow(/'universal-sentence-encoder-lite' or 'use-lite'/);
  });

  it('close() stops it: later calls reject', async () => {
    const own = createEmbedder({ provider: 'local', workers: 1 });
    await own.close();
    await expect(own.embed(['hello'])).rejects.toThrow(EmbedderClosedError);
  });
});
