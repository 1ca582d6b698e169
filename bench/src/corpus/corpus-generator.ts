import { buildPdf } from '@docingest/document-parsing/testing';
import { SeededRandom } from './seeded-random';
import { SentenceGenerator } from './sentence-generator';

export type CorpusSize = 'quick' | 'full';
export type FileGroup = 'small' | 'large' | 'pdf';

export interface CorpusFile {
  /** Object key in the bucket, also the file's name on disk in the baseline. */
  key: string;
  contentType: string;
  group: FileGroup;
  bytes: Buffer;
  /** Part of the smaller set the local model ingests (it embeds about 10 chunks/s per core). */
  local: boolean;
}

interface Profile {
  small: { count: number; minBytes: number; maxBytes: number };
  large: { count: number; bytes: number };
  pdf: { count: number; pages: number };
  /** Files of each group that also go through the local embedder. */
  local: { small: number; large: number; pdf: number };
}

/** Sized so that full mode runs in about ten minutes on two cores, quick mode in seconds. */
export const PROFILES: Record<CorpusSize, Profile> = {
  quick: {
    small: { count: 4, minBytes: 1_000, maxBytes: 4_000 },
    large: { count: 1, bytes: 24_000 },
    pdf: { count: 1, pages: 3 },
    local: { small: 2, large: 0, pdf: 1 },
  },
  full: {
    small: { count: 150, minBytes: 2_000, maxBytes: 24_000 },
    // LlamaIndex's SentenceSplitter takes time with the square of a text's length (about 11 s for
    // 300 KB here): larger files would make the baseline run for hours, not the service.
    large: { count: 3, bytes: 300_000 },
    pdf: { count: 4, pages: 50 },
    local: { small: 24, large: 0, pdf: 1 },
  },
};

/** Markdown as people write it: a title, sections with headings, paragraphs, now and then a list. */
export function markdownText(random: SeededRandom, targetBytes: number): string {
  const words = new SentenceGenerator(random);
  const parts = [`# ${words.heading()}`, words.paragraph(2, 4)];
  let size = parts.join('\n\n').length;
  while (size < targetBytes) {
    const section = [`## ${words.heading()}`, words.paragraph()];
    if (random.chance(0.3)) section.push(words.bulletList().join('\n'));
    section.push(words.paragraph());
    const text = section.join('\n\n');
    parts.push(text);
    size += text.length + 2;
  }
  return `${parts.join('\n\n')}\n`;
}

/** Plain text: paragraphs separated by blank lines. */
export function plainText(random: SeededRandom, targetBytes: number): string {
  const words = new SentenceGenerator(random);
  const parts: string[] = [];
  let size = 0;
  while (size < targetBytes) {
    const paragraph = words.paragraph();
    parts.push(paragraph);
    size += paragraph.length + 2;
  }
  return `${parts.join('\n\n')}\n`;
}

/** Pages of about 3.5 KB of text each, so one PDF page holds one page of paragraphs. */
export function pdfPages(random: SeededRandom, pages: number): string[][] {
  const words = new SentenceGenerator(random);
  return Array.from({ length: pages }, () => {
    const paragraphs = [words.heading()];
    let size = paragraphs[0].length;
    while (size < 3_000) {
      const paragraph = words.paragraph(2, 5);
      paragraphs.push(paragraph);
      size += paragraph.length;
    }
    return paragraphs;
  });
}

/**
 * The benchmark corpus: many small Markdown and text files, a few large ones, PDFs of many
 * pages. A pure function of (size, seed): every run and both paths ingest the same bytes.
 */
export async function generateCorpus(size: CorpusSize, seed = 20_261_128): Promise<CorpusFile[]> {
  const profile = PROFILES[size];
  const root = new SeededRandom(seed);
  const files: CorpusFile[] = [];

  for (let i = 0; i < profile.small.count; i++) {
    const random = root.fork(`small-${i}`);
    const target = random.int(profile.small.minBytes, profile.small.maxBytes);
    const markdown = i % 3 !== 2;
    const text = markdown ? markdownText(random, target) : plainText(random, target);
    files.push({
      key: `corpus/small/note-${String(i).padStart(4, '0')}.${markdown ? 'md' : 'txt'}`,
      contentType: markdown ? 'text/markdown' : 'text/plain',
      group: 'small',
      bytes: Buffer.from(text, 'utf8'),
      local: i < profile.local.small,
    });
  }
  for (let i = 0; i < profile.large.count; i++) {
    const random = root.fork(`large-${i}`);
    const markdown = i % 2 === 0;
    const text = markdown ? markdownText(random, profile.large.bytes) : plainText(random, profile.large.bytes);
    files.push({
      key: `corpus/large/handbook-${i}.${markdown ? 'md' : 'txt'}`,
      contentType: markdown ? 'text/markdown' : 'text/plain',
      group: 'large',
      bytes: Buffer.from(text, 'utf8'),
      local: i < profile.local.large,
    });
  }
  for (let i = 0; i < profile.pdf.count; i++) {
    const random = root.fork(`pdf-${i}`);
    files.push({
      key: `corpus/pdf/report-${i}.pdf`,
      contentType: 'application/pdf',
      group: 'pdf',
      bytes: Buffer.from(await buildPdf(pdfPages(random, profile.pdf.pages))),
      local: i < profile.local.pdf,
    });
  }
  return files;
}

/** `count` chunk-sized texts of the bench's prose (eight paragraphs, cut at 4,000 characters): rows as the service stores them. */
export function chunkSizedProse(count: number, seed: number): string[] {
  const words = new SentenceGenerator(new SeededRandom(seed));
  return Array.from({ length: count }, () =>
    Array.from({ length: 8 }, () => words.paragraph())
      .join('\n\n')
      .slice(0, 4_000),
  );
}

/**
 * One large text file of `bytes` bytes, written paragraph by paragraph into a list of buffers so
 * making it never needs a string of the whole size.
 */
export function largeTextFile(bytes: number, seed = 100): Buffer {
  const words = new SentenceGenerator(new SeededRandom(seed));
  const parts: Buffer[] = [];
  let size = 0;
  while (size < bytes) {
    const block: string[] = [];
    for (let i = 0; i < 200; i++) block.push(words.paragraph());
    const buffer = Buffer.from(`${block.join('\n\n')}\n\n`, 'utf8');
    parts.push(buffer);
    size += buffer.length;
  }
  return Buffer.concat(parts).subarray(0, bytes);
}
