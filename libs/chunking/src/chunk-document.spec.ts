import { createHash } from 'node:crypto';
import { chunkDocument, ChunkSettingsError, countTokens } from './index';

const WORDS = ['river', 'engine', 'quiet', 'ledger', 'harbour', 'signal', 'copper', 'meadow', 'lantern', 'orbit', 'granite', 'parcel'];

/** Varied sentences from a seeded generator, so every test sees the same text. */
function sentences(count: number, seed = 1): string[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: count }, () => {
    const length = 6 + (next() % 12);
    const words = Array.from({ length }, () => WORDS[next() % WORDS.length]);
    return `${words[0][0].toUpperCase()}${words.join(' ').slice(1)}.`;
  });
}

const options = { chunkSize: 64, chunkOverlap: 16, fileUuid: 'f-1', knowledgebaseId: 'kb' };

describe('chunkDocument', () => {
  const pages = [
    { text: sentences(60, 1).join(' '), pageNumber: 1 },
    { text: sentences(40, 2).join(' '), pageNumber: 2 },
  ];

  it('keeps every chunk within chunk_size tokens and every page number', () => {
    const chunks = chunkDocument(pages, options);
    expect(chunks.length).toBeGreaterThan(6);
    for (const chunk of chunks) expect(countTokens(chunk.text)).toBeLessThanOrEqual(64);
    expect(new Set(chunks.map((c) => c.pageNumber))).toEqual(new Set([1, 2]));
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
  });

  it('overlaps neighbouring chunks of a page', () => {
    const chunks = chunkDocument([pages[0]], options);
    const overlapping = chunks.slice(1).filter((chunk, i) => {
      const lastSentence = chunks[i].text.split('. ').at(-1)!.replace(/\.$/, '');
      return chunk.text.includes(lastSentence);
    });
    expect(overlapping.length).toBeGreaterThan(chunks.length / 2);
  });

  it('gives the same ids for the same file and settings, and other ids for other settings', () => {
    const first = chunkDocument(pages, options).map((c) => c.id);
    expect(chunkDocument(pages, options).map((c) => c.id)).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    expect(chunkDocument(pages, { ...options, chunkOverlap: 8 })[0].id).not.toBe(first[0]);
    expect(chunkDocument(pages, { ...options, fileUuid: 'f-2' })[0].id).not.toBe(first[0]);
    expect(first[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('hashes each chunk’s text', () => {
    for (const chunk of chunkDocument(pages, options)) {
      expect(chunk.contentHash).toBe(createHash('sha256').update(chunk.text).digest('hex'));
    }
  });

  it('makes no chunk of an empty page and splits a sentence without punctuation', () => {
    expect(chunkDocument([{ text: '   ', pageNumber: 1 }], options)).toEqual([]);
    const run = Array.from({ length: 400 }, (_, i) => WORDS[i % WORDS.length]).join(' ');
    const chunks = chunkDocument([{ text: run, pageNumber: null }], options);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(countTokens(chunk.text)).toBeLessThanOrEqual(64);
  });

  it('refuses an overlap that is not smaller than the chunk size', () => {
    expect(() => chunkDocument(pages, { ...options, chunkOverlap: 64 })).toThrow(ChunkSettingsError);
    expect(() => chunkDocument(pages, { ...options, chunkOverlap: 64 })).toThrow('chunk_overlap (64) must be smaller than chunk_size (64)');
  });
});
