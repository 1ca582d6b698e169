import { chunkDocument, type Chunk, type PageText } from '@docingest/chunking';
import { streamChunks } from './chunk-stream';
import { StageTimer } from './stage-timer';

// The streamed chunks must be exactly chunkDocument's (text, page, index, id): ids decide whether
// a re-ingestion rewrites rows, so streaming must not change one.
const OPTIONS = { chunkSize: 48, chunkOverlap: 6, fileUuid: '0b8f2a4e-1d5c-4e7a-9f3b-6c2d1e0a9b87', knowledgebaseId: 'kb' };

function pages(): PageText[] {
  const sentence = (p: number, s: number) => `Page ${p} sentence ${s} tells how the pump at station ${p * 7 + s} was serviced.`;
  return Array.from({ length: 7 }, (_, p) => ({
    pageNumber: p + 1,
    text: p === 3 ? '' : Array.from({ length: 12 + p * 3 }, (_, s) => sentence(p, s)).join(' '),
  }));
}

async function collect(stream: AsyncIterable<Chunk>): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

async function* arriving(list: PageText[]): AsyncGenerator<PageText> {
  for (const page of list) {
    await new Promise((resolve) => setImmediate(resolve));
    yield page;
  }
}

describe('streamChunks', () => {
  const hooks = () => ({ timer: new StageTimer(), checkAborted: () => undefined });

  it('gives chunkDocument’s chunks, numbered across pages as they arrive', async () => {
    const expected = chunkDocument(pages(), OPTIONS);
    expect(expected.length).toBeGreaterThan(10);
    const seen: Chunk[] = [];
    const timer = new StageTimer();
    expect(await collect(streamChunks(arriving(pages()), OPTIONS, { timer, checkAborted: () => undefined, onChunk: (c) => seen.push(c), sliceMs: 0 }))).toEqual(expected);
    expect(seen).toEqual(expected);
    expect(timer.snapshot().chunk).toBeGreaterThan(0);
  });

  it('refuses bad settings before reading a page, and stops when aborted', async () => {
    let read = 0;
    const counted = (async function* () {
      read++;
      yield { text: 'never cut', pageNumber: 1 };
    })();
    await expect(collect(streamChunks(counted, { ...OPTIONS, chunkOverlap: 48 }, hooks()))).rejects.toThrow(/overlap/i);
    expect(read).toBe(0);

    const stop = new Error('stopped');
    let aborted = false;
    const stream = streamChunks(arriving(pages()), OPTIONS, {
      timer: new StageTimer(),
      checkAborted: () => {
        if (aborted) throw stop;
      },
      sliceMs: 0,
    });
    const first = await stream.next();
    expect(first.done).toBe(false);
    aborted = true;
    await expect(collect(stream)).rejects.toBe(stop);
  });
});
