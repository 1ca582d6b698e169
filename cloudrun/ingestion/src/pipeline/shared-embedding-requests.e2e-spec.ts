import { randomUUID } from 'node:crypto';
import type { OpenAIEmbedder } from '@docingest/embeddings';
import { fakeEmbedding, startOpenAICompatibleServer, type OpenAICompatibleServer } from '@docingest/embeddings/testing';
import { startIngestionStack, type IngestionStack } from '../testing/ingestion-stack';

// Files ingested at once share embedding requests: while the one request slot is busy, their
// chunks wait in one queue and the next request carries chunks of several files. Through the
// real service, against an OpenAI-compatible server on loopback that records every request.
const MODEL = 'test-embed';
const DIMENSIONS = 16;
const TABLE = 'kb_shared';
/** Longer inputs are refused with 400, as a model's context length would be. */
const MAX_INPUT_CHARS = 1200;

/** Prose of about `paragraphs` × 400 characters, the same for the same seed; `tag` ends every word, so no two files share a chunk. */
function prose(paragraphs: number, seed: number, tag = ''): string {
  const words = ['river', 'ledger', 'storm', 'harbour', 'valve', 'pump', 'keeper', 'signal', 'tower', 'supply', 'winter', 'north', 'boat', 'lamp', 'shift', 'crew'];
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % words.length;
  const sentence = () => {
    const body = Array.from({ length: 8 + (next() % 6) }, () => `${words[next()]}${tag}`).join(' ');
    return `${body.charAt(0).toUpperCase()}${body.slice(1)}.`;
  };
  return Array.from({ length: paragraphs }, () => Array.from({ length: 5 }, sentence).join(' ')).join('\n\n');
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('POST /ingest-file with several files at once: shared embedding requests', () => {
  let embeddings: OpenAICompatibleServer;
  let stack: IngestionStack;
  /** Each file ingested alone: its chunks' texts and vectors in chunk order. */
  const alone = new Map<string, Array<{ text: string; embedding: string }>>();
  const files = ['a', 'b', 'c'];

  beforeAll(async () => {
    embeddings = await startOpenAICompatibleServer({ dimensions: DIMENSIONS, maxInputChars: MAX_INPUT_CHARS });
    stack = await startIngestionStack({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: embeddings.baseURL, OPENAI_MAX_IN_FLIGHT: '1' });
    for (const [i, name] of files.entries()) await stack.upload(`shared/${name}.md`, prose(4 + i, 11 + i, name), 'text/markdown');
    await stack.upload('shared/blocker.md', 'One short line to keep the request slot busy.', 'text/markdown');
    await stack.upload('shared/long.md', prose(4, 40, 'long'), 'text/markdown');
    for (const name of files) {
      const fileUuid = randomUUID();
      const { body } = await stack.call('/ingest-file', request(name, fileUuid));
      expect(body.status).toBe('completed');
      alone.set(name, await stored(fileUuid));
    }
  });
  afterAll(async () => {
    await stack?.stop();
    await embeddings?.close();
  });

  const request = (name: string, fileUuid: string, chunkSize = 64) => ({
    file_path: `gs://docs/shared/${name}.md`,
    vector_table_name: TABLE,
    file_uuid: fileUuid,
    link_id: 7,
    embedding_provider: 'openai',
    embedding_model: MODEL,
    chunk_size: chunkSize,
    chunk_overlap: 8,
    batch_size: 20,
    progress_update_frequency: 10,
    user_uuid: 'user-1',
    team_id: 3,
    knowledgebase_id: 'shared',
    project_id: 'p-1',
    custom_metadata: null,
    attempt: 1,
  });
  const stored = async (fileUuid: string) => {
    const { rows } = await stack.pool.query(
      `SELECT text, embedding::text AS embedding FROM ai.data_${TABLE} WHERE metadata_->>'file_uuid' = $1 ORDER BY (metadata_->>'chunk_index')::int`,
      [fileUuid],
    );
    return rows as Array<{ text: string; embedding: string }>;
  };
  const embedder = () => stack.embedders.get('openai', MODEL) as OpenAIEmbedder;
  /** The file each text of a request came from (by the texts each file had alone). */
  const fileOf = (text: string) => [...alone].find(([, rows]) => rows.some((row) => row.text === text))?.[0] ?? '?';

  /** Holds the one request slot with a file of its own, runs `start` and lets the server answer once `queued` texts wait. */
  async function whileSlotBusy<T>(queued: number, start: () => T): Promise<T> {
    embeddings.hold();
    const blocker = stack.call('/ingest-file', request('blocker', randomUUID()));
    await until(() => embeddings.waiting === 1);
    const started = start();
    await until(() => embedder().queuedTexts === queued);
    embeddings.release();
    expect((await blocker).body.status).toBe('completed');
    return started;
  }

  it('carries chunks of several files in one request, and each file gets the vectors it gets alone, in chunk order', async () => {
    expect([...alone.values()].every((rows) => rows.length > 1)).toBe(true);
    for (const rows of alone.values()) {
      for (const row of rows) expect((JSON.parse(row.embedding) as number[]).map(Math.fround)).toEqual(fakeEmbedding(row.text, DIMENSIONS).map(Math.fround));
    }
    const chunks = [...alone.values()].reduce((sum, rows) => sum + rows.length, 0);
    const before = embeddings.requests.length;
    const uuids = files.map(() => randomUUID());

    const answers = await Promise.all(await whileSlotBusy(chunks, () => files.map((name, i) => stack.call('/ingest-file', request(name, uuids[i])))));

    expect(answers.map((a) => a.body.status)).toEqual(['completed', 'completed', 'completed']);
    const sent = embeddings.requests.slice(before).map((r) => new Set(r.inputs.map(fileOf)));
    expect(sent.some((origins) => origins.size > 1)).toBe(true);
    for (const [i, name] of files.entries()) expect(await stored(uuids[i])).toEqual(alone.get(name));
  });

  it('a shared request refused for one file’s input fails that file alone, with the server’s message', async () => {
    const before = embeddings.requests.length;
    const [goodUuid, longUuid] = [randomUUID(), randomUUID()];

    const [good, long] = await Promise.all(
      await whileSlotBusy(alone.get('a')!.length + 1, () => [
        stack.call('/ingest-file', request('a', goodUuid)),
        // One chunk of about 2,200 characters, beyond what the server takes.
        stack.call('/ingest-file', request('long', longUuid, 1000)),
      ]),
    );

    expect(good.body.status).toBe('completed');
    expect(await stored(goodUuid)).toEqual(alone.get('a'));
    expect(long.status).toBe(502);
    expect(long.body).toMatchObject({ status: 'failed', stage: 'embedding' });
    expect(long.body.message).toMatch(/HTTP 400.*is too long/);
    const refused = embeddings.requests.slice(before).filter((r) => r.outcome === 400);
    expect(refused.some((r) => r.inputs.some((text) => fileOf(text) === 'a') && r.inputs.some((text) => text.length > MAX_INPUT_CHARS))).toBe(true);
  });
});
