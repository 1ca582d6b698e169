import { SentenceSplitter } from '@llamaindex/core/node-parser';
import { chunkDocument, cl100kTokenizer, countTokens } from '@docingest/chunking';
import type { CorpusFile } from '../corpus/corpus-generator';
import { largeTextFile } from '../corpus/corpus-generator';
import { round } from '../report/round';

export interface ChunkingSpeed {
  megabytes: number;
  chunks: number;
  wallS: number;
  cpuS: number;
  /** MB per second of this process's CPU time: per core, whatever else the machine runs. */
  mbPerCpuS: number;
  mbPerWallS: number;
}

export interface ChunkDifference {
  file: string;
  index: number;
  reason: string;
}

export interface ChunkingMeasure {
  speeds: ChunkingSpeed[];
  /** CPU seconds per MB of the largest text over that of the smallest: 1 when linear. */
  linearity: number;
  equivalence: { files: number; referenceChunks: number; equal: number; share: number; referenceOverBudget: number; differences: ChunkDifference[] };
}

const SETTINGS = { chunkSize: 1000, chunkOverlap: 200 };

function timeChunking(text: string): ChunkingSpeed {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const chunks = chunkDocument([{ text, pageNumber: null }], { ...SETTINGS, fileUuid: 'bench', knowledgebaseId: 'bench' });
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuS = (used.user + used.system) / 1e6;
  const megabytes = Buffer.byteLength(text) / 1048576;
  return {
    megabytes: round(megabytes),
    chunks: chunks.length,
    wallS: round(wallS),
    cpuS: round(cpuS),
    mbPerCpuS: round(megabytes / cpuS),
    mbPerWallS: round(megabytes / wallS),
  };
}

/**
 * The chunker alone, in this process: MB/s on the bench's prose at growing sizes (the text of
 * the large-file run), and its chunks against LlamaIndex's SentenceSplitter (same chunk_size and
 * overlap, cl100k) on every text file of the corpus, each file one text as the service reads it.
 */
export function measureChunking(corpus: CorpusFile[], sizesMb: number[], log: (line: string) => void): ChunkingMeasure {
  log(`chunking alone: ${sizesMb.join(', ')} MB of the bench's prose (chunk_size ${SETTINGS.chunkSize}, overlap ${SETTINGS.chunkOverlap})`);
  timeChunking(largeTextFile(256 * 1024, 3).toString('utf8')); // warm the JIT and the tokenizer's tables
  const speeds = sizesMb.map((size) => timeChunking(largeTextFile(size * 1024 * 1024).toString('utf8')));
  const perMb = (s: ChunkingSpeed) => s.cpuS / s.megabytes;
  const linearity = round(perMb(speeds[speeds.length - 1]) / perMb(speeds[0]));

  const texts = corpus.filter((f) => f.contentType.startsWith('text/'));
  log(`chunking alone: chunks against LlamaIndex's SentenceSplitter on ${texts.length} text files`);
  const reference = new SentenceSplitter({ ...SETTINGS, tokenizer: cl100kTokenizer });
  const differences: ChunkDifference[] = [];
  let referenceChunks = 0;
  let equal = 0;
  let referenceOverBudget = 0;
  for (const file of texts) {
    const text = file.bytes.toString('utf8');
    const expected = reference.splitText(text);
    const ours = chunkDocument([{ text, pageNumber: null }], { ...SETTINGS, fileUuid: 'bench', knowledgebaseId: 'bench' }).map((c) => c.text);
    referenceChunks += expected.length;
    // Matched as a multiset: one chunk cut again into two would shift every later index.
    const unmatched = new Map<string, number>();
    for (const chunk of ours) unmatched.set(chunk, (unmatched.get(chunk) ?? 0) + 1);
    expected.forEach((chunk, index) => {
      const tokens = countTokens(chunk);
      if (tokens > SETTINGS.chunkSize) referenceOverBudget++;
      const left = unmatched.get(chunk) ?? 0;
      if (left > 0) {
        unmatched.set(chunk, left - 1);
        equal++;
      } else
        differences.push({
          file: file.key,
          index,
          reason: tokens > SETTINGS.chunkSize ? `SentenceSplitter's chunk has ${tokens} tokens, over chunk_size: cut again` : 'text differs',
        });
    });
    if (ours.length !== expected.length) differences.push({ file: file.key, index: -1, reason: `${ours.length} chunks, SentenceSplitter ${expected.length}` });
  }
  return {
    speeds,
    linearity,
    equivalence: { files: texts.length, referenceChunks, equal, share: referenceChunks ? round(equal / referenceChunks, 4) : 0, referenceOverBudget, differences },
  };
}
