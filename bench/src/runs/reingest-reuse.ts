import type { IngestFileRequest } from '@docingest/contracts';
import { buildPdf } from '@docingest/document-parsing/testing';
import { pdfPages } from '../corpus/corpus-generator';
import { SeededRandom } from '../corpus/seeded-random';
import { SentenceGenerator } from '../corpus/sentence-generator';
import type { EmbeddingFixture } from '../fixtures/openai-compatible-embedding.fixture';
import type { BenchStack } from '../stack/bench-stack';
import type { IngestionServiceProcess } from '../stack/ingestion-service.process';
import { benchIngestRequest } from './bench-ingest-request';
import { fileUuidFor } from './file-uuid';
import { round } from '../report/round';

export interface ReuseOptions {
  pages: number;
  rounds: number;
  model: string;
  batchSize: number;
  chunkSize: number;
  chunkOverlap: number;
}

/** One re-ingestion: its wall time, what went to the embedder (the service's answer and the fixture's count) and what was reused. */
export interface ReingestSample {
  seconds: number;
  chunks: number;
  embedded: number;
  reused: number;
  tokens: number;
  /** Requests and inputs the embedding endpoint received. */
  requests: number;
  inputs: number;
  skipped: boolean;
  /** Seconds the service spent parsing and embedding (its timings_ms; embedding includes the stored-vector lookups). */
  parseS: number;
  embedS: number;
}

export interface ReuseMeasure {
  pages: number;
  rounds: number;
  bytes: number;
  /** The page edited in each round (1-based). */
  editedPages: number[];
  /** The first ingestion, everything embedded. */
  first: ReingestSample;
  /** Per round: the edited document ingested as a new file (what re-ingestion cost before reuse), the same on the file already stored (reuse), and again unchanged (skip). */
  full: ReingestSample[];
  reuse: ReingestSample[];
  unchanged: ReingestSample[];
  median: { full: ReingestSample; reuse: ReingestSample; unchanged: ReingestSample };
  /** reuse / full, of the medians. */
  ratio: { seconds: number; tokens: number; inputs: number };
}

const KEY = 'reuse/manual-300.pdf';

/**
 * Re-ingesting a long PDF with one page edited, side by side with a full re-ingestion of the same
 * bytes, round after round (a different page each time, the order of the two alternated): the
 * full one is the same document under a new file id, so nothing is stored to reuse, which is what
 * every re-ingestion cost before vectors were reused. Then the unchanged file again, with the
 * version the api would send (skip_if_unchanged).
 */
export async function measureReingestReuse(
  stack: BenchStack,
  service: IngestionServiceProcess,
  options: ReuseOptions,
  log: (line: string) => void,
): Promise<ReuseMeasure> {
  const pages = pdfPages(new SeededRandom(300), options.pages);
  const edits = new SentenceGenerator(new SeededRandom(301));
  const fileUuid = fileUuidFor(KEY);
  const request = (uuid: string, attempt: number, extra: Partial<IngestFileRequest> = {}) =>
    benchIngestRequest({
      file_path: `gs://bench/${KEY}`,
      vector_table_name: 'bench_reuse',
      file_uuid: uuid,
      embedding_model: options.model,
      chunk_size: options.chunkSize,
      chunk_overlap: options.chunkOverlap,
      batch_size: options.batchSize,
      knowledgebase_id: 'bench-reuse',
      attempt,
      ...extra,
    });
  const upload = async () => {
    const bytes = Buffer.from(await buildPdf(pages));
    await stack.upload(KEY, bytes, 'application/pdf');
    return bytes.length;
  };

  log(`re-ingestion reuse: a ${options.pages}-page PDF, ${options.rounds} rounds of one page edited`);
  const bytes = await upload();
  let attempt = 1;
  const first = await ingest(service, stack.fixture, request(fileUuid, attempt));
  log(`  first ingestion: ${first.chunks} chunks embedded in ${first.seconds} s`);
  const full: ReingestSample[] = [];
  const reuse: Timed[] = [];
  const unchanged: ReingestSample[] = [];
  const editedPages: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const page = Math.floor(((round + 1) * options.pages) / (options.rounds + 1));
    editedPages.push(page + 1);
    pages[page] = [pages[page][0], edits.paragraph(3, 5), ...pages[page].slice(2)];
    await upload();
    const runFull = () => ingest(service, stack.fixture, request(fileUuidFor(`${KEY}#full-${round}`), 1));
    const runReuse = () => ingest(service, stack.fixture, request(fileUuid, ++attempt));
    if (round % 2 === 0) {
      full.push(await runFull());
      reuse.push(await runReuse());
    } else {
      reuse.push(await runReuse());
      full.push(await runFull());
    }
    const object = reuse.at(-1)!.object;
    unchanged.push(await ingest(service, stack.fixture, request(fileUuid, ++attempt, { skip_if_unchanged: object })));
    log(
      `  round ${round + 1} (page ${page + 1} edited): full ${full.at(-1)!.seconds} s, ${full.at(-1)!.embedded} embedded; ` +
        `reuse ${reuse.at(-1)!.seconds} s, ${reuse.at(-1)!.embedded} embedded, ${reuse.at(-1)!.reused} reused; unchanged ${unchanged.at(-1)!.seconds} s`,
    );
  }
  const median = { full: medianSample(full), reuse: medianSample(reuse), unchanged: medianSample(unchanged) };
  const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : 0);
  return {
    pages: options.pages,
    rounds: options.rounds,
    bytes,
    editedPages,
    first: strip(first),
    full: full.map(strip),
    reuse: reuse.map(strip),
    unchanged: unchanged.map(strip),
    median,
    ratio: {
      seconds: ratio(median.reuse.seconds, median.full.seconds),
      tokens: ratio(median.reuse.tokens, median.full.tokens),
      inputs: ratio(median.reuse.inputs, median.full.inputs),
    },
  };
}

/** A sample and the object version the service read: what the next unchanged re-ingestion names. */
type Timed = ReingestSample & { object: IngestFileRequest['skip_if_unchanged'] };

async function ingest(service: IngestionServiceProcess, fixture: EmbeddingFixture, body: Record<string, unknown>): Promise<Timed> {
  fixture.resetStats();
  const started = performance.now();
  const { status, body: answer } = await service.call('/ingest-file', body);
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  if (status !== 200 || answer.status !== 'completed') throw new Error(`re-ingestion failed: HTTP ${status}: ${String(answer.message ?? answer.error ?? '')}`);
  const stats = fixture.stats();
  const timings = (answer.timings_ms ?? {}) as { parse?: number; embed?: number };
  return {
    seconds,
    chunks: Number(answer.chunks),
    embedded: Number(answer.chunks_embedded ?? 0),
    reused: Number(answer.chunks_reused ?? 0),
    tokens: Number(answer.embedding_tokens ?? 0),
    requests: stats.requests,
    inputs: stats.inputs,
    skipped: answer.skipped === 'unchanged',
    parseS: Math.round(Number(timings.parse ?? 0)) / 1000,
    embedS: Math.round(Number(timings.embed ?? 0)) / 1000,
    object: answer.object as Timed['object'],
  };
}

function strip(sample: ReingestSample & { object?: unknown }): ReingestSample {
  const { object: _object, ...rest } = sample;
  return rest;
}

/** Each figure's median over the rounds (an odd count gives a figure that was measured). */
function medianSample(samples: ReingestSample[]): ReingestSample {
  const of = (key: keyof Omit<ReingestSample, 'skipped'>) => {
    const sorted = samples.map((s) => s[key]).sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : round((sorted[mid - 1] + sorted[mid]) / 2);
  };
  return {
    seconds: of('seconds'),
    chunks: of('chunks'),
    embedded: of('embedded'),
    reused: of('reused'),
    tokens: of('tokens'),
    requests: of('requests'),
    inputs: of('inputs'),
    skipped: samples.every((s) => s.skipped),
    parseS: of('parseS'),
    embedS: of('embedS'),
  };
}
