import { createHash } from 'node:crypto';
import { chunkDocument, ChunkSettingsError, countTokens, DocumentChunker, type Chunk } from './index';
import { uuidV5 } from './chunk-identity';
import { prose, proseParagraphs } from './testing/prose';

const options = { chunkSize: 64, chunkOverlap: 16, fileUuid: 'f-1', knowledgebaseId: 'kb' };

/** Longest prefix of `next` that is also a suffix of `previous`: the text the two chunks share. */
function sharedText(previous: string, next: string): string {
  for (let length = Math.min(previous.length, next.length); length > 0; length--) {
    if (previous.endsWith(next.slice(0, length))) return next.slice(0, length);
  }
  return '';
}

/**
 * How many neighbours share at least one whole sentence. LlamaIndex overlaps by whole
 * sentences that fit in chunk_overlap, so a neighbour after a long sentence shares none.
 */
function overlapShare(chunks: Chunk[]): number {
  let sharing = 0;
  for (let i = 1; i < chunks.length; i++) if (items(sharedText(chunks[i - 1].text, chunks[i].text)).length > 0) sharing++;
  return sharing / (chunks.length - 1);
}

/** The numbers of the sentences a text holds, in order. */
const items = (text: string) => [...text.matchAll(/Note (\d+):/g)].map((m) => Number(m[1]));

describe('chunkDocument', () => {
  const pages = [
    { text: proseParagraphs(60, 1), pageNumber: 1 },
    { text: proseParagraphs(40, 2), pageNumber: 2 },
  ];

  it.each([
    [64, 16],
    [128, 0],
    [300, 60],
  ])('keeps every chunk within %i tokens (overlap %i), counted as the embedder counts', (chunkSize, chunkOverlap) => {
    const chunks = chunkDocument(pages, { ...options, chunkSize, chunkOverlap });
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(countTokens(chunk.text)).toBeLessThanOrEqual(chunkSize);
    // Chunks are filled, not crumbs: on average more than half the budget.
    const average = chunks.reduce((sum, c) => sum + countTokens(c.text), 0) / chunks.length;
    expect(average).toBeGreaterThan(chunkSize / 2);
  });

  it('keeps page numbers: each chunk is text of its own page, and indexes run across pages', () => {
    const chunks = chunkDocument(pages, options);
    expect(new Set(chunks.map((c) => c.pageNumber))).toEqual(new Set([1, 2]));
    for (const chunk of chunks) expect(pages[chunk.pageNumber! - 1].text).toContain(chunk.text);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    const firstOfPage2 = chunks.findIndex((c) => c.pageNumber === 2);
    expect(chunks.slice(firstOfPage2).every((c) => c.pageNumber === 2)).toBe(true);
  });

  it('overlaps neighbouring chunks of a page by whole sentences, within chunk_overlap', () => {
    // Overlap is made of whole sentences that fit in chunk_overlap: these are about 20 tokens.
    const chunks = chunkDocument([pages[0]], { ...options, chunkSize: 128, chunkOverlap: 48 });
    expect(chunks.length).toBeGreaterThan(5);
    expect(overlapShare(chunks)).toBeGreaterThan(0.85);
    for (let i = 1; i < chunks.length; i++) {
      expect(countTokens(sharedText(chunks[i - 1].text, chunks[i].text))).toBeLessThanOrEqual(48 + 2);
    }
  });

  it('splits a long page in windows without losing, reordering or un-overlapping text at the seams', () => {
    const page = { text: proseParagraphs(3000, 7), pageNumber: 4 }; // ~250 kB: many splitter windows
    const chunks = chunkDocument([page], { ...options, chunkSize: 200, chunkOverlap: 40 });
    expect(chunks.length).toBeGreaterThan(300);
    const seen: number[] = [];
    for (let i = 0; i < chunks.length; i++) {
      expect(countTokens(chunks[i].text)).toBeLessThanOrEqual(200);
      expect(page.text).toContain(chunks[i].text);
      for (const item of items(chunks[i].text)) if (item > (seen.at(-1) ?? 0)) seen.push(item);
    }
    expect(seen).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1)); // every sentence, in order
    expect(overlapShare(chunks)).toBeGreaterThan(0.85);
  });

  it('gives the same ids for the same file and settings, other ids when anything differs', () => {
    const first = chunkDocument(pages, options);
    expect(chunkDocument(pages, options).map((c) => c.id)).toEqual(first.map((c) => c.id));
    expect(new Set(first.map((c) => c.id)).size).toBe(first.length);
    for (const changed of [{ chunkOverlap: 8 }, { chunkSize: 65 }, { fileUuid: 'f-2' }, { knowledgebaseId: 'kb2' }]) {
      const other = chunkDocument(pages, { ...options, ...changed });
      expect(new Set([...first, ...other].map((c) => c.id)).size).toBe(first.length + other.length);
    }
    for (const chunk of first) expect(chunk.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('makes ids that are RFC 4122 version 5 UUIDs, as Python uuid5 makes them', () => {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.UUID('3f6c1b52-8d4e-4a0f-9b7d-2e5a9c18f4d6'), 'hello'))"
    expect(uuidV5('hello')).toBe('209c5228-a3b9-5035-bef3-88d9a7caf1f0');
  });

  it('gives repeated text (a footer on every page) a distinct id per occurrence', () => {
    const footer = 'Confidential. Property of the water authority.';
    const chunks = chunkDocument(
      [1, 2, 3].map((pageNumber) => ({ text: footer, pageNumber })),
      options,
    );
    expect(chunks.map((c) => c.contentHash)).toEqual(Array(3).fill(chunks[0].contentHash));
    expect(new Set(chunks.map((c) => c.id)).size).toBe(3);
  });

  it('hashes each chunk’s text with sha256', () => {
    for (const chunk of chunkDocument(pages, options)) {
      expect(chunk.contentHash).toBe(createHash('sha256').update(chunk.text, 'utf8').digest('hex'));
    }
  });

  it('makes no chunk of an empty or blank page, and keeps numbering past it', () => {
    expect(
      chunkDocument(
        [
          { text: '', pageNumber: 1 },
          { text: ' \n\t ', pageNumber: 2 },
        ],
        options,
      ),
    ).toEqual([]);
    const chunks = chunkDocument(
      [
        { text: '', pageNumber: 1 },
        { text: 'Only page two has text.', pageNumber: 2 },
      ],
      options,
    );
    expect(chunks).toEqual([expect.objectContaining({ text: 'Only page two has text.', pageNumber: 2, index: 0 })]);
  });

  it('splits a very long sentence without punctuation, and a run of characters without spaces', () => {
    const words = prose(80, 3)
      .join(' ')
      .replace(/[.,;!?“”()]/g, '')
      .toLowerCase();
    const noSpaces = 'QmFzZTY0IGRhdGEgd2l0aG91dCBhbnkgc3BhY2Vz'.repeat(200);
    for (const text of [words, noSpaces]) {
      const chunks = chunkDocument([{ text, pageNumber: null }], options);
      expect(chunks.length).toBeGreaterThan(5);
      for (const chunk of chunks) expect(countTokens(chunk.text)).toBeLessThanOrEqual(options.chunkSize);
      expect(text.startsWith(chunks[0].text)).toBe(true);
      expect(text.endsWith(chunks.at(-1)!.text)).toBe(true);
      for (const chunk of chunks) expect(text).toContain(chunk.text);
    }
  });

  it('treats special-token text such as <|endoftext|> as ordinary text', () => {
    const text = `${prose(10).join(' ')} <|endoftext|> <|im_start|> ${prose(10, 2).join(' ')}`;
    const chunks = chunkDocument([{ text, pageNumber: 1 }], options);
    expect(chunks.some((c) => c.text.includes('<|endoftext|>'))).toBe(true);
    for (const chunk of chunks) expect(countTokens(chunk.text)).toBeLessThanOrEqual(options.chunkSize);
  });

  it('gives the same chunks when pages are fed one by one to a DocumentChunker', () => {
    const chunker = new DocumentChunker(options);
    const incremental: Chunk[] = [];
    for (const page of pages) incremental.push(...chunker.chunkPage(page));
    expect(incremental).toEqual(chunkDocument(pages, options));
    expect(chunker.count).toBe(incremental.length);
  });

  it.each([
    [{ chunkOverlap: 64 }, 'chunk_overlap (64) must be smaller than chunk_size (64)'],
    [{ chunkOverlap: 100 }, 'chunk_overlap (100) must be smaller than chunk_size (64)'],
    [{ chunkOverlap: -1 }, 'chunk_overlap must be an integer of zero or more tokens, not -1'],
    [{ chunkSize: 10.5 }, 'chunk_size must be an integer of at least 16 tokens, not 10.5'],
    [{ chunkSize: 0 }, 'chunk_size must be an integer of at least 16 tokens, not 0'],
  ])('refuses settings %j with a clear message', (changed, message) => {
    const attempt = () => chunkDocument(pages, { ...options, ...changed });
    expect(attempt).toThrow(ChunkSettingsError);
    expect(attempt).toThrow(message);
  });
});
