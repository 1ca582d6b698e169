import { Pool } from 'pg';
import { chunkDocument, type Chunk } from '@docingest/chunking';
import { LocalEmbedder } from '@docingest/embeddings';
import { VectorStore, type SearchMode } from '@docingest/vector-store';
import type { CorpusFile } from '../corpus/corpus-generator';
import { SeededRandom } from '../corpus/seeded-random';
import { fileUuidFor } from './file-uuid';

/** How each kind of question is made from its answer chunk. */
export type QuestionKind = 'sentence' | 'keywords';

export interface RecallMeasure {
  mode: SearchMode;
  kind: QuestionKind | 'all';
  questions: number;
  /** Share of the questions whose answer chunk is among the top 5. */
  recallAt5: number;
}

export interface RecallRun {
  chunks: number;
  measures: RecallMeasure[];
}

interface Question {
  kind: QuestionKind;
  text: string;
  answerId: string;
}

const MODES: SearchMode[] = ['vector', 'text', 'hybrid'];
const TABLE = 'bench_recall';
const CHUNK_TOKENS = 128;

/**
 * Recall@5 of each search mode on questions whose answer chunk is known. The corpus's text files
 * are chunked (128 tokens, so there are many near-alike chunks to choose among) and embedded with
 * the local model (real vectors: the fixture's are random). Each question is made from one chunk:
 * `sentence`, one of its sentences with its first and last words dropped (what a person half
 * remembers); `keywords`, its three words rarest in the corpus, numbers included (a search for
 * names and figures).
 */
export async function measureSearchRecall(
  postgresUrl: string,
  corpus: CorpusFile[],
  settings: { maxChunks: number; questions: number },
  log: (line: string) => void,
): Promise<RecallRun> {
  const chunks = corpus
    .filter((file) => file.group !== 'pdf')
    .flatMap((file) =>
      chunkDocument([{ text: file.bytes.toString('utf8'), pageNumber: null }], {
        chunkSize: CHUNK_TOKENS,
        chunkOverlap: 0,
        fileUuid: fileUuidFor(`recall:${file.key}`),
        knowledgebaseId: 'recall',
      }).map((chunk) => ({ chunk, fileUuid: fileUuidFor(`recall:${file.key}`) })),
    )
    .slice(0, settings.maxChunks);
  const questions = makeQuestions(
    chunks.map((c) => c.chunk),
    settings.questions,
  );
  const embedder = new LocalEmbedder({ provider: 'local' });
  const pool = new Pool({ connectionString: postgresUrl, max: 4 });
  try {
    log(`search recall: embedding ${chunks.length} chunks and ${questions.length} questions with the local model`);
    const vectors = await embedder.embed(chunks.map((c) => c.chunk.text));
    const questionVectors = await embedder.embed(questions.map((q) => q.text));
    const store = new VectorStore(pool, { index: 'none' });
    await store.ensureTable(TABLE, embedder.dimensions);
    const byFile = new Map<string, number[]>();
    chunks.forEach((c, i) => byFile.set(c.fileUuid, [...(byFile.get(c.fileUuid) ?? []), i]));
    for (const [fileUuid, indexes] of byFile) {
      await store.replaceFileChunks(
        TABLE,
        { fileUuid, knowledgebaseId: 'recall' },
        indexes.map((i) => ({
          nodeId: chunks[i].chunk.id,
          text: chunks[i].chunk.text,
          embedding: vectors[i],
          metadata: { file_uuid: fileUuid, knowledgebase_id: 'recall' },
        })),
      );
    }
    const found = new Map<SearchMode, boolean[]>(MODES.map((mode) => [mode, []]));
    for (const [index, question] of questions.entries()) {
      for (const mode of MODES) {
        const hits = await store.search(TABLE, questionVectors[index], { knowledgebaseId: 'recall' }, 5, { mode, text: question.text, textSearchConfig: 'english' });
        found.get(mode)!.push(hits.some((hit) => hit.nodeId === question.answerId));
      }
    }
    const measures: RecallMeasure[] = [];
    for (const kind of ['sentence', 'keywords', 'all'] as const) {
      const picked = questions.map((q, i) => (kind === 'all' || q.kind === kind ? i : -1)).filter((i) => i >= 0);
      for (const mode of MODES) {
        const hits = picked.filter((i) => found.get(mode)![i]).length;
        measures.push({ mode, kind, questions: picked.length, recallAt5: picked.length ? hits / picked.length : 0 });
      }
    }
    await pool.query(`DROP TABLE IF EXISTS ai.data_${TABLE}`);
    return { chunks: chunks.length, measures };
  } finally {
    await embedder.close();
    await pool.end();
  }
}

const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** Half the questions of each kind, their answer chunks spread evenly over the corpus. */
export function makeQuestions(chunks: Chunk[], count: number): Question[] {
  const random = new SeededRandom(5_5);
  const frequency = new Map<string, number>();
  for (const chunk of chunks) for (const word of new Set(words(chunk.text))) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  const questions: Question[] = [];
  const step = Math.max(1, Math.floor(chunks.length / count));
  for (let i = 0; questions.length < count && i < chunks.length; i += step) {
    const chunk = chunks[i];
    if (questions.length % 2 === 0) {
      const sentences = chunk.text.split(/(?<=[.?!])\s+/).filter((s) => words(s).length >= 6);
      if (!sentences.length) continue;
      const sentence = words(random.pick(sentences));
      questions.push({ kind: 'sentence', text: sentence.slice(1, -1).join(' '), answerId: chunk.id });
    } else {
      const rare = [...new Set(words(chunk.text))]
        .filter((w) => w.length > 2 || /\d/.test(w))
        .sort((a, b) => frequency.get(a)! - frequency.get(b)! || a.localeCompare(b))
        .slice(0, 3);
      questions.push({ kind: 'keywords', text: rare.join(' '), answerId: chunk.id });
    }
  }
  return questions;
}
