import { createHash } from 'node:crypto';
import { SentenceSplitter } from '@llamaindex/core/node-parser';
import { cl100kTokenizer, countTokens } from './token-counter';

export interface PageText {
  text: string;
  pageNumber: number | null;
}

export interface ChunkOptions {
  /** Tokens per chunk. */
  chunkSize: number;
  /** Tokens shared by neighbouring chunks. */
  chunkOverlap: number;
  fileUuid: string;
  knowledgebaseId: string;
}

export interface Chunk {
  /** Deterministic: same file, settings and text give the same id. */
  id: string;
  text: string;
  pageNumber: number | null;
  index: number;
  /** sha256 of the text, hex. */
  contentHash: string;
}

export class ChunkSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkSettingsError';
  }
}

/** A UUID (version 5 layout) from a sha1 of the name, as Python's uuid5 would shape it. */
function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function sliceByTokens(text: string, size: number): string[] {
  const tokens = cl100kTokenizer.encode(text);
  const out: string[] = [];
  for (let start = 0; start < tokens.length; start += size) out.push(cl100kTokenizer.decode(tokens.subarray(start, start + size)));
  return out;
}

/**
 * The splitter counts tokens piece by piece and joins pieces with spaces, which can merge into
 * a token or two more than asked; such a chunk is split again, a little tighter, so the
 * budget holds exactly.
 */
function withinBudget(pieces: string[], options: ChunkOptions, depth = 0): string[] {
  const out: string[] = [];
  for (const piece of pieces) {
    if (countTokens(piece) <= options.chunkSize) {
      out.push(piece);
      continue;
    }
    if (depth >= 3) {
      out.push(...sliceByTokens(piece, options.chunkSize)); // never loops: a hard cut as the last resort
      continue;
    }
    const tighter = Math.max(1, Math.floor(options.chunkSize * (0.9 - 0.1 * depth)));
    const resplit = new SentenceSplitter({ chunkSize: tighter, chunkOverlap: Math.min(options.chunkOverlap, tighter - 1), tokenizer: cl100kTokenizer });
    out.push(...withinBudget(resplit.splitText(piece), options, depth + 1));
  }
  return out;
}

/**
 * Splits each page with LlamaIndex's sentence-aware splitter, sizes counted in tokens of the
 * text alone (metadata never takes from the budget), pages kept apart so every chunk has one
 * page number.
 */
export function chunkDocument(pages: PageText[], options: ChunkOptions): Chunk[] {
  if (!Number.isInteger(options.chunkSize) || options.chunkSize < 1) throw new ChunkSettingsError(`chunk_size must be a positive integer, not ${options.chunkSize}`);
  if (!Number.isInteger(options.chunkOverlap) || options.chunkOverlap < 0) throw new ChunkSettingsError(`chunk_overlap must be zero or more, not ${options.chunkOverlap}`);
  if (options.chunkOverlap >= options.chunkSize) {
    throw new ChunkSettingsError(`chunk_overlap (${options.chunkOverlap}) must be smaller than chunk_size (${options.chunkSize})`);
  }
  const splitter = new SentenceSplitter({ chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap, tokenizer: cl100kTokenizer });
  const chunks: Chunk[] = [];
  for (const page of pages) {
    for (const piece of withinBudget(splitter.splitText(page.text), options)) {
      const text = piece.trim();
      if (!text) continue;
      const contentHash = createHash('sha256').update(text).digest('hex');
      const index = chunks.length;
      const id = nameBasedUuid(`${options.fileUuid}|${options.knowledgebaseId}|${options.chunkSize}|${options.chunkOverlap}|${index}|${contentHash}`);
      chunks.push({ id, text, pageNumber: page.pageNumber, index, contentHash });
    }
  }
  return chunks;
}
