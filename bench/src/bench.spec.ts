import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultOptions } from './bench-options';
import { runBenchmark, type BenchResult } from './bench-runner';
import { formatReport } from './report/print-report';
import type { RunSummary } from './report/summarize';

// The benchmark's quick mode, once: a tiny corpus through both paths and both embedders, against
// real processes (the service, the LlamaIndex baseline, PGlite) over real sockets. It proves the
// benchmark measures what it says; it asserts no timing.
describe('npm run bench (quick mode)', () => {
  let result: BenchResult;
  let resultsDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    resultsDir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    const options = defaultOptions('quick');
    options.embedDelayMs = 50;
    options.resultsDir = resultsDir;
    options.log = (line) => lines.push(line);
    result = await runBenchmark(options);
  }, 600_000);

  afterAll(() => {
    if (resultsDir) rmSync(resultsDir, { recursive: true, force: true });
  });

  const run = (path: string, embedder: string, concurrent: boolean, workers?: number): RunSummary => {
    const found = result.runs.find(
      (r) => r.path === path && r.embedder === embedder && r.concurrency > 1 === concurrent && (workers === undefined || r.workers === workers),
    );
    if (!found) throw new Error(`no run ${path}/${embedder}/${concurrent ? 'concurrent' : 'sequential'} in: ${result.runs.map((r) => r.label).join(', ')}`);
    return found;
  };

  it('ingests every file on every run, both paths and both embedders', () => {
    expect(result.runs).toHaveLength(9);
    for (const summary of result.runs) {
      expect({ run: summary.label, failed: summary.failed, errors: summary.errors }).toEqual({ run: summary.label, failed: 0, errors: [] });
      expect(summary.files).toBe(summary.embedder === 'local' ? result.corpus.localFiles : result.corpus.files);
      expect(summary.chunks).toBeGreaterThan(0);
    }
  });

  it('stores the same number of chunks on both paths, for each embedder', () => {
    for (const embedder of ['openai-compatible', 'local']) {
      const ours = run('ours', embedder, false);
      const baseline = run('baseline', embedder, false);
      expect(baseline.chunks).toBe(ours.chunks);
      expect(baseline.rowsAfter).toBe(baseline.chunks);
      expect(ours.rowsAfter).toBe(ours.chunks);
    }
  });

  it('stores exactly one set of chunks on every run of ours', () => {
    for (const embedder of ['openai-compatible', 'local']) {
      const first = run('ours', embedder, false);
      const again = result.runs.filter((r) => r.path === 'ours' && r.embedder === embedder && r !== first);
      expect(again.length).toBeGreaterThan(0);
      for (const summary of again) {
        expect(summary.chunks).toBe(first.chunks);
        expect(summary.rowsAfter).toBe(first.chunks);
      }
    }
  });

  it('reads where the time goes from the service and counts the calls to the embedding endpoint', () => {
    for (const summary of result.runs) {
      expect(summary.stageMs.embed).toBeGreaterThan(0);
      expect(summary.stageMs.store).toBeGreaterThan(0);
      const shares = Object.values(summary.stageShare).reduce((a, b) => a + b, 0);
      expect(shares).toBeCloseTo(1, 1);
      expect(summary.peakRssMb).toBeGreaterThan(50);
    }
    const ours = run('ours', 'openai-compatible', true);
    expect(ours.embedderCalls).toMatchObject({ refused: 0 });
    expect(ours.embedderCalls!.inputs).toBe(ours.chunks);
    expect(run('baseline', 'openai-compatible', true).embedderCalls!.inputs).toBe(ours.chunks);
    // No run of ours beats its ceiling, which spends time on round trips alone.
    for (const summary of result.runs.filter((r) => r.path === 'ours' && r.embedderCalls)) {
      const { ceiling } = summary.embedderCalls!;
      expect(ceiling!.wallS).toBeGreaterThan(0);
      expect(ceiling!.wallS).toBeLessThanOrEqual(summary.wallS);
    }
    expect(run('baseline', 'openai-compatible', true).embedderCalls!.ceiling).toBeUndefined();
  });

  it('measures storage alone and reports every target it can', () => {
    expect(result.storage.map((s) => `${s.index}/${s.rowShape}`)).toEqual(['none/chunk', 'hnsw-after-load/chunk', 'hnsw/chunk', 'hnsw-built/chunk', 'none/small']);
    // Search at the storage table's size: every query finds 10 hits both ways.
    expect(result.search.map((m) => m.rows)).toEqual([500]);
    expect(result.search[0].recallAt10).toBeGreaterThan(0.5);
    // Indexed against exact search per ef_search, for the searched knowledge base and a small one beside it.
    expect(result.search[0].byEfSearch.map((run) => [run.vectors, run.knowledgeBaseRows, run.measures.map((m) => `${m.search} ${m.efSearch}`)])).toEqual(
      [500, 50].map((rows) => ['random', rows, ['walk 40', 'walk 100', 'walk 200', 'walk 400', 'default 200']]),
    );
    expect(result.search[0].byEfSearch[1].measures.at(-1)!.recallAt10).toBe(1);
    // Each setting's plan read back from EXPLAIN: the small knowledge base's default search is the exact path, never the walk.
    for (const run of result.search[0].byEfSearch) for (const m of run.measures) expect(['HNSW index scan', 'sequential scan', 'other']).toContain(m.plan);
    expect(result.search[0].byEfSearch[1].measures.at(-1)!.plan).not.toBe('HNSW index scan');
    for (const measure of result.storage) expect(measure.rowsPerS).toBeGreaterThan(0);
    // A staged file: every row swapped in (measureStagedSwap throws otherwise), both parts timed.
    expect(result.staged).toMatchObject({ rows: 100, stagingSeconds: expect.any(Number), swapSeconds: expect.any(Number) });
    expect(result.bigFile).toBeNull();
    // The chunker alone: timed at each size, and compared with SentenceSplitter on every text file.
    expect(result.chunking!.speeds.map((s) => s.chunks)).toEqual([expect.any(Number), expect.any(Number)]);
    for (const speed of result.chunking!.speeds) expect(speed.chunks).toBeGreaterThan(0);
    expect(result.chunking!.equivalence.files).toBe(5);
    expect(result.chunking!.equivalence.referenceChunks).toBeGreaterThan(5);
    expect(result.chunking!.equivalence.equal).toBe(
      result.chunking!.equivalence.referenceChunks - result.chunking!.equivalence.differences.filter((d) => d.index >= 0).length,
    );
    expect(result.targets.map((t) => t.target).join('\n')).toMatch(
      /10 MB\/s per core[\s\S]*99% of SentenceSplitter[\s\S]*5x baseline[\s\S]*within 10% of the floor[\s\S]*80% of the endpoint limit[\s\S]*1\.6x one worker[\s\S]*15% of wall[\s\S]*10,000 rows\/s[\s\S]*2,000 rows\/s/,
    );
    // The throughput targets say what the ceiling allows beside what was measured.
    for (const target of result.targets.filter((t) => /5x baseline|80% of the endpoint limit/.test(t.target))) expect(target.measured).toMatch(/ceiling \d+\.\d+(x|%)/);
    expect(result.targets.find((t) => /within 10% of the floor/.test(t.target))!.measured).toMatch(/ceiling \d+(\.\d+)? s = \d+\.\d+x/);
  });

  it('measures recall@5 of each search mode on questions with known answer chunks', () => {
    const recall = result.recall!;
    expect(recall.chunks).toBeGreaterThan(20);
    expect(recall.measures.map((m) => `${m.kind}/${m.mode}`)).toEqual(
      ['sentence', 'keywords', 'all'].flatMap((kind) => ['vector', 'text', 'hybrid'].map((mode) => `${kind}/${mode}`)),
    );
    const of = (kind: string, mode: string) => recall.measures.find((m) => m.kind === kind && m.mode === mode)!;
    expect(of('all', 'vector').questions).toBe(24);
    // The keyword questions are the chunk's rarest words: full text must find most of them.
    expect(of('keywords', 'text').recallAt5).toBeGreaterThan(0.5);
    expect(of('keywords', 'hybrid').recallAt5).toBeGreaterThan(of('keywords', 'vector').recallAt5);
    expect(formatReport(result)).toMatch(/Search recall@5 by mode[\s\S]*hybrid \(RRF k=60\)/);
  });

  it('re-ingests an edited PDF embedding only the edited page, beside a full re-ingestion, and skips it unchanged', () => {
    const reuse = result.reuse!;
    expect(reuse.rounds).toBe(3);
    for (let round = 0; round < reuse.rounds; round++) {
      const [full, reused, unchanged] = [reuse.full[round], reuse.reuse[round], reuse.unchanged[round]];
      expect(full).toMatchObject({ chunks: reuse.first.chunks, embedded: reuse.first.chunks, reused: 0, inputs: reuse.first.chunks });
      // One page edited: its chunk(s) go to the embedder (counted by the endpoint too), every other chunk is reused.
      expect(reused.embedded).toBeGreaterThan(0);
      expect(reused.embedded).toBeLessThanOrEqual(2);
      expect(reused).toMatchObject({ chunks: full.chunks, reused: full.chunks - reused.embedded, inputs: reused.embedded, skipped: false });
      expect(reused.tokens).toBeLessThan(full.tokens / 5);
      expect(unchanged).toMatchObject({ skipped: true, embedded: 0, inputs: 0, requests: 0, chunks: full.chunks });
    }
    expect(formatReport(result)).toMatch(/Re-ingestion of a 20-page PDF with one page edited[\s\S]*reuse \/ full: time/);
  });

  it('writes the result as JSON and prints a table with every run', () => {
    const written = JSON.parse(readFileSync(result.resultFile!, 'utf8')) as BenchResult;
    expect(written.runs.map((r) => r.chunks)).toEqual(result.runs.map((r) => r.chunks));
    // Each part's figures went to the parts file, and its tables to the log, as it finished.
    const parts = readFileSync(result.partsFile!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Partial<BenchResult> & { part: string });
    expect(parts.map((p) => p.part)).toEqual(['start', 'chunking', 'remote', 'local', 'search 500 rows', 'storage', 'full text', 'recall', 'reuse']);
    // Both text sets, each computed by to_tsvector and put together twice; the second pass of the bench's prose computes no span.
    const fullText = parts.find((p) => p.part === 'full text')!.fullText!;
    expect(fullText.map((m) => [m.texts, m.passes.map((p) => p.pass)])).toEqual([
      ['bench prose', ['first', 'second']],
      ['repository docs', ['first', 'second']],
    ]);
    expect(fullText[0].passes[1].spansComputedShare).toBe(0);
    expect(parts.flatMap((p) => p.runs ?? []).map((r) => r.label)).toEqual(result.runs.map((r) => r.label));
    expect(parts.find((p) => p.part === 'storage')!.storage).toEqual(result.storage);
    expect(lines.join('\n')).toMatch(/\[remote\] finished[\s\S]*Throughput[\s\S]*\[local\] finished[\s\S]*Throughput[\s\S]*\[storage\] finished[\s\S]*Storage alone/);
    const report = formatReport(result);
    for (const summary of result.runs) expect(report).toContain(summary.label);
    expect(report).toMatch(/ours\/base/);
  });
});
