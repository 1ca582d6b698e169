import { Document } from '@llamaindex/core/schema';
import { SentenceSplitter, splitBySentenceTokenizer } from '@llamaindex/core/node-parser';
import { joinedTokenCount } from './chunk-tokens';
import { LinearSentenceSplitter } from './linear-sentence-splitter';
import { SentenceBoundaries } from './sentence-boundaries';
import { mixedText } from './testing/mixed-text';
import { proseParagraphs } from './testing/prose';
import { countTokens as gptTokenizerCount } from 'gpt-tokenizer';
import { cl100kTokenizer, countTokens } from './token-counter';

/** The original leaves `{{ABBREV_n}}` in a sentence where a URI runs into an abbreviation (see SentenceBoundaries). */
const originalLeavesPlaceholder = (sentences: string[]) => sentences.some((s) => /\{\{(ABBREV|URI|NUMBER|DELIM)_\d+\}\}/.test(s));

describe('SentenceBoundaries', () => {
  const reference = splitBySentenceTokenizer();
  const ours = new SentenceBoundaries();

  it('cuts the sentences LlamaIndex’s sentence tokenizer cuts', () => {
    let compared = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const text = mixedText(seed, 1 + (seed % 40));
      const expected = reference(text);
      if (originalLeavesPlaceholder(expected)) continue;
      expect(ours.split(text)).toEqual(expected);
      compared++;
    }
    expect(compared).toBeGreaterThan(2500);
    const prose = proseParagraphs(400, 3);
    expect(ours.split(prose)).toEqual(reference(prose));
    expect(ours.split(prose).length).toBeGreaterThan(390);
  });

  it('keeps the text where the original leaves a placeholder behind (a URI running into an abbreviation)', () => {
    const text = 'Read www.example.com/Dr. today. Then stop.';
    expect(reference(text).join('')).toContain('{{ABBREV_0}}');
    expect(ours.split(text)).toEqual(['Read www.example.com/Dr. today.', ' Then stop.']);
  });
});

describe('countTokens', () => {
  it('counts as gpt-tokenizer counts cl100k, special-token text as plain text', () => {
    const texts = [
      ...Array.from({ length: 500 }, (_, seed) => mixedText(seed + 1, 1 + (seed % 60))),
      'Ünïcödé façade — 東京都の水道局は２４時間 😀👩‍👩‍👧 مرحبا  \t\r\n  end',
      "it's they're I'LL we'd  \n\n\n   x<|endoftext|>y <|im_start|> 12345678 3.14159",
      ' '.repeat(50) + 'word' + '\n'.repeat(5) + ' ',
    ];
    for (const text of texts) expect(countTokens(text)).toBe(gptTokenizerCount(text, { disallowedSpecial: new Set() }));
  });
});

describe('joinedTokenCount', () => {
  it('gives the tokens of the joined, trimmed pieces, as counting the whole text does', () => {
    const sentences = new SentenceBoundaries();
    for (let seed = 1; seed <= 2000; seed++) {
      const pieces = sentences.split(mixedText(seed, 1 + (seed % 30))).map((text) => ({ text, tokens: countTokens(text) }));
      const joined = pieces
        .map((p) => p.text)
        .join('')
        .trim();
      if (joined) expect(joinedTokenCount(pieces)).toBe(countTokens(joined));
    }
  });

  it('counts a paragraph break at a seam as cl100k does (".\\n\\n" is one token)', () => {
    const pieces = ['The pump stopped.', '\n\nThe valve held.'].map((text) => ({ text, tokens: countTokens(text) }));
    expect(joinedTokenCount(pieces)).toBe(countTokens('The pump stopped.\n\nThe valve held.'));
    expect(joinedTokenCount(pieces)).toBeLessThan(pieces[0].tokens + pieces[1].tokens);
  });
});

describe('LinearSentenceSplitter', () => {
  it.each([
    [16, 4],
    [24, 8],
    [64, 16],
    [200, 40],
  ])('gives SentenceSplitter’s chunks (chunk_size %i, overlap %i)', (chunkSize, chunkOverlap) => {
    const reference = new SentenceSplitter({ chunkSize, chunkOverlap, tokenizer: cl100kTokenizer });
    const ours = new LinearSentenceSplitter({ chunkSize, chunkOverlap });
    let compared = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const text = mixedText(seed * 7 + chunkSize, 1 + (seed % 150));
      if (originalLeavesPlaceholder(splitBySentenceTokenizer()(text))) continue;
      expect(ours.splitText(text)).toEqual(reference.splitText(text));
      compared++;
    }
    expect(compared).toBeGreaterThan(200);
    const prose = proseParagraphs(300, chunkSize);
    expect(ours.splitText(prose)).toEqual(reference.splitText(prose));
  });

  it('is a SentenceSplitter: it parses Documents into the same nodes in a LlamaIndex pipeline', async () => {
    const documents = [new Document({ text: proseParagraphs(120, 5), id_: 'doc-1' })];
    const reference = new SentenceSplitter({ chunkSize: 128, chunkOverlap: 32, tokenizer: cl100kTokenizer });
    const ours = new LinearSentenceSplitter({ chunkSize: 128, chunkOverlap: 32 });
    expect(ours).toBeInstanceOf(SentenceSplitter);
    const expected = await reference(documents);
    const nodes = await ours(documents);
    expect(nodes.map((n) => n.getContent())).toEqual(expected.map((n) => n.getContent()));
    expect(nodes.length).toBeGreaterThan(5);
    expect(ours.splitTextMetadataAware(documents[0].text, 'file_name: a.txt')).toEqual(reference.splitTextMetadataAware(documents[0].text, 'file_name: a.txt'));
  });

  it('cuts a page with no sentence end at all, as the reference does', () => {
    const text = 'word '.repeat(3000);
    const reference = new SentenceSplitter({ chunkSize: 64, chunkOverlap: 8, tokenizer: cl100kTokenizer });
    expect(new LinearSentenceSplitter({ chunkSize: 64, chunkOverlap: 8 }).splitText(text)).toEqual(reference.splitText(text));
  });
});
