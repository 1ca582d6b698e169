import { chunkDocument, chunkDocumentAsync, type PageText } from './index';
import { proseParagraphs } from './testing/prose';

const options = { chunkSize: 64, chunkOverlap: 16, fileUuid: 'f-1', knowledgebaseId: 'kb' };
const pages: PageText[] = [1, 2, 3].map((pageNumber) => ({ text: proseParagraphs(40, pageNumber), pageNumber }));

async function* arriving(list: PageText[]): AsyncGenerator<PageText> {
  for (const page of list) {
    await new Promise((resolve) => setImmediate(resolve));
    yield page;
  }
}

describe('chunkDocumentAsync', () => {
  it('gives the same chunks as chunkDocument, from pages that arrive one by one', async () => {
    expect(await chunkDocumentAsync(arriving(pages), options)).toEqual(chunkDocument(pages, options));
  });

  it('lets other work run while it chunks', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    try {
      const before = ticks;
      await chunkDocumentAsync(pages, options, { sliceMs: 0 });
      expect(ticks).toBeGreaterThan(before);
    } finally {
      clearInterval(ticker);
    }
  });

  it('stops when its signal is aborted, with the signal’s reason', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    setImmediate(() => controller.abort(reason));
    await expect(chunkDocumentAsync(pages, options, { signal: controller.signal, sliceMs: 0 })).rejects.toBe(reason);
    await expect(chunkDocumentAsync(pages, options, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
