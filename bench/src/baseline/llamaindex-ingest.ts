import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Storage } from '@google-cloud/storage';
import { IngestionPipeline, SentenceSplitter, Settings, type BaseEmbedding, type Document } from 'llamaindex';
import { PGVectorStore } from '@llamaindex/postgres';
import { PDFReader } from '@llamaindex/readers/pdf';
import { TextFileReader } from '@llamaindex/readers/text';
import { emptyTimes, mapWithConcurrency, type FileOutcome, type IngestJob, type RunOutcome, type StageTimes } from '../runs/run-types';
import type { BaselineRunRequest } from './baseline-protocol';

/** Per-file stage clocks; AsyncLocalStorage attributes embed and store time to the file that spent it. */
const clock = new AsyncLocalStorage<StageTimes>();

async function timed<T>(stage: keyof StageTimes, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    const times = clock.getStore();
    if (times) times[stage] += performance.now() - start;
  }
}

/**
 * Counts the time LlamaIndex spends in the embedding model and the vector store without changing
 * what either does: the pipeline runs split → embed → add in sequence, so the rest is chunking.
 */
export function instrumentEmbedding(model: BaseEmbedding): void {
  const embed = model.getTextEmbeddings;
  model.getTextEmbeddings = (texts: string[]) => timed('embed', () => embed(texts));
}

function instrumentStore(store: PGVectorStore): PGVectorStore {
  const add = store.add.bind(store);
  store.add = (nodes) => timed('store', () => add(nodes));
  return store;
}

function readerFor(key: string) {
  // Markdown goes through TextFileReader: the service treats it as one text too, so both paths split
  // the same text. MarkdownReader would split at every heading first and store more, smaller chunks.
  return key.toLowerCase().endsWith('.pdf') ? new PDFReader() : new TextFileReader();
}

/**
 * The corpus the way a LlamaIndex TS user writes it: download the object, read it with a
 * @llamaindex/readers reader, and run an IngestionPipeline (SentenceSplitter, then the embedding
 * model from Settings) into @llamaindex/postgres's PGVectorStore. One vector store (one
 * connection) per concurrent lane, as parallel workers would each hold one.
 */
export async function runBaseline(storage: Storage, databaseUrl: string, request: BaselineRunRequest): Promise<RunOutcome> {
  const lanes = Math.max(1, Math.min(request.concurrency, request.jobs.length));
  const stores = Array.from({ length: lanes }, () =>
    instrumentStore(
      new PGVectorStore({
        clientConfig: { connectionString: databaseUrl },
        schemaName: request.schemaName,
        tableName: request.tableName,
        dimensions: request.dimensions,
      }),
    ),
  );
  const free = [...stores];
  const workDir = await mkdtemp(join(tmpdir(), 'bench-baseline-'));
  const started = performance.now();
  try {
    const files = await mapWithConcurrency(request.jobs, lanes, async (job) => {
      const store = free.pop()!;
      try {
        return await ingestOne(storage, store, job, request, workDir);
      } finally {
        free.push(store);
      }
    });
    return { files, wallMs: performance.now() - started };
  } finally {
    await rm(workDir, { recursive: true, force: true });
    for (const store of stores) {
      const db = await store.client().catch(() => null);
      await db?.close().catch(() => undefined);
    }
  }
}

async function ingestOne(storage: Storage, store: PGVectorStore, job: IngestJob, request: BaselineRunRequest, workDir: string): Promise<FileOutcome> {
  const times = emptyTimes();
  const started = performance.now();
  return clock.run(times, async () => {
    const path = join(workDir, `${job.fileUuid}-${basename(job.key)}`);
    try {
      const [bucket, ...key] = job.filePath.replace(/^gs:\/\//, '').split('/');
      await timed('download', () => storage.bucket(bucket).file(key.join('/')).download({ destination: path }));
      const documents: Document[] = await timed('parse', () => readerFor(job.key).loadData(path));
      for (const document of documents) {
        Object.assign(document.metadata, { file_uuid: job.fileUuid, knowledgebase_id: 'bench', user_uuid: 'bench-user', team_id: 1 });
        // The service counts a chunk's budget on its text alone; without this, SentenceSplitter
        // takes the metadata's tokens from every chunk and the two paths store different chunks.
        document.excludedEmbedMetadataKeys = Object.keys(document.metadata);
        document.excludedLlmMetadataKeys = Object.keys(document.metadata);
      }
      const pipeline = new IngestionPipeline({
        transformations: [new SentenceSplitter({ chunkSize: request.chunkSize, chunkOverlap: request.chunkOverlap }), Settings.embedModel],
        vectorStore: store,
      });
      const nodes = await pipeline.run({ documents });
      times.total = performance.now() - started;
      times.chunk = Math.max(0, times.total - times.download - times.parse - times.embed - times.store);
      return { key: job.key, bytes: job.bytes, chunks: nodes.length, ok: true, wallMs: times.total, timings: times };
    } catch (error) {
      times.total = performance.now() - started;
      return { key: job.key, bytes: job.bytes, chunks: 0, ok: false, error: (error as Error).message, wallMs: times.total, timings: times };
    } finally {
      await rm(path, { force: true });
    }
  });
}
