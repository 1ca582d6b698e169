import type { BenchParts, BenchResult } from '../bench-runner';
import { formatLatency } from '../latency/latency-report';
import type { IndexedSearchMeasure } from '../runs/indexed-search';
import type { RunSummary, StageName } from './summarize';

const STAGE_COLUMNS: StageName[] = ['download', 'parse', 'chunk', 'embed', 'store', 'callbacks', 'other'];

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

/** Ratio of ours to the baseline run with the same embedder and concurrency. */
function ratioToBaseline(run: RunSummary, runs: RunSummary[]): string {
  if (run.path !== 'ours') return '';
  const base = runs.find((r) => r.path === 'baseline' && r.embedder === run.embedder && r.concurrency === run.concurrency);
  return base && base.chunksPerS > 0 ? `${(run.chunksPerS / base.chunksPerS).toFixed(2)}x` : '';
}

function chunkingSection(c: BenchParts['chunking']): string[] {
  if (!c) return [];
  const eq = c.equivalence;
  const listed = eq.differences.slice(0, 20).map((d) => `  ${d.file}${d.index >= 0 ? ` #${d.index}` : ''}: ${d.reason}`);
  return [
    '',
    "Chunking alone (this process, the bench's prose, chunk_size 1000, overlap 200; per core = per CPU second)",
    table(
      ['MB', 'chunks', 'wall s', 'CPU s', 'MB/s per core', 'MB/s wall'],
      c.speeds.map((s) => [String(s.megabytes), String(s.chunks), s.wallS.toFixed(2), s.cpuS.toFixed(2), s.mbPerCpuS.toFixed(2), s.mbPerWallS.toFixed(2)]),
    ),
    `linearity (CPU s per MB, largest over smallest): ${c.linearity}`,
    `against LlamaIndex SentenceSplitter on ${eq.files} text files: ${eq.equal} of ${eq.referenceChunks} chunks equal (${(eq.share * 100).toFixed(2)}%); ` +
      `${eq.referenceOverBudget} of SentenceSplitter's chunks are over chunk_size in cl100k tokens; ${eq.differences.length} differences${eq.differences.length ? ':' : ''}`,
    ...listed,
    ...(eq.differences.length > listed.length ? [`  … and ${eq.differences.length - listed.length} more (in the JSON)`] : []),
  ];
}

/** The run's settings: machine, load, corpus, the service's settings. */
function header(result: BenchResult): string[] {
  return [
    `docingest benchmark · ${result.options.size} · ${result.startedAt} · ${result.machine.cpus} cores (${result.machine.cpuModel}), node ${result.machine.node}` +
      ` · load average ${result.machine.loadBefore} before, ${result.machine.loadAfter} after (other work on the machine skews every figure)`,
    `corpus: ${result.corpus.files} files, ${(result.corpus.bytes / 1048576).toFixed(2)} MB (${Object.entries(result.corpus.byGroup)
      .map(([g, v]) => `${v.files} ${g}`)
      .join(', ')}); local-model subset ${result.corpus.localFiles} files, ${(result.corpus.localBytes / 1048576).toFixed(2)} MB`,
    `chunk_size ${result.options.chunkSize}, overlap ${result.options.chunkOverlap}; remote-style endpoint: ${result.options.embedDelayMs} ms/request, ` +
      `≤${result.options.maxInputsPerRequest} inputs; service batch_size ${result.options.batchSize}, OPENAI_MAX_IN_FLIGHT ${result.options.openaiMaxInFlight}; ` +
      `service VECTOR_INDEX ${result.options.vectorIndex}`,
  ];
}

function runsSection(runs: RunSummary[]): string[] {
  if (!runs.length) return [];
  const out = [
    '',
    'Throughput (end to end, wall clock of the whole run)',
    table(
      ['run', 'files', 'chunks', 'wall s', 'chunks/s', 'MB/s', 'ours/base', 'peak RSS MB', 'rows after', 'failed'],
      runs.map((r) => [
        r.label,
        String(r.files),
        String(r.chunks),
        r.wallS.toFixed(2),
        r.chunksPerS.toFixed(1),
        r.mbPerS.toFixed(3),
        ratioToBaseline(r, runs),
        r.peakRssMb === null ? '?' : r.peakRssMb.toFixed(0),
        String(r.rowsAfter),
        String(r.failed),
      ]),
    ),
    '',
    "Where time goes (share of the summed per-file time; ours from the service's timings_ms)",
    table(
      ['run', ...STAGE_COLUMNS, 'not embedding'],
      runs.map((r) => [r.label, ...STAGE_COLUMNS.map((s) => pct(r.stageShare[s])), pct(r.nonEmbedShare)]),
    ),
  ];
  const measured = runs.filter((r) => r.cpuMsPerFile);
  if (measured.length) {
    const ms = (value: number | null | undefined) => (value === null || value === undefined ? '?' : value.toFixed(1));
    out.push(
      '',
      'CPU per file (ms of CPU time per file ingested, whatever the wall clock; stand-ins: the GCS server, embedding fixture, callback receiver and client in the bench process)',
      table(
        ['run', 'service or baseline', 'database', 'stand-ins', 'sum'],
        measured.map((r) => {
          const c = r.cpuMsPerFile!;
          const sum = c.path === null || c.database === null ? null : c.path + c.database + c.standIns;
          return [r.label, ms(c.path), ms(c.database), ms(c.standIns), ms(sum)];
        }),
      ),
    );
  }
  const remote = runs.filter((r) => r.embedderCalls);
  if (remote.length) {
    out.push(
      '',
      'Remote-style embedding endpoint',
      table(
        [
          'run',
          'requests',
          'inputs/request',
          'max in flight',
          'refused',
          'limit (full batches)',
          'share',
          'limit (batches as sent)',
          'share',
          'floor s (1 at once)',
          'ceiling: s, share',
        ],
        remote.map((r) => {
          const c = r.embedderCalls!;
          return [
            r.label,
            String(c.requests),
            c.avgInputsPerRequest.toFixed(1),
            String(c.maxInFlight),
            String(c.refused),
            c.limitChunksPerS.toFixed(0),
            pct(c.shareOfLimit),
            c.limitAtSentBatchesChunksPerS.toFixed(0),
            pct(c.shareOfLimitAtSentBatches),
            c.floorS === undefined ? '' : `${c.floorS.toFixed(2)} (run ${r.wallS.toFixed(2)})`,
            c.ceiling ? `${c.ceiling.wallS.toFixed(2)}, ${pct(c.ceiling.shareOfLimit)}` : '',
          ];
        }),
      ),
    );
  }
  return out;
}

/**
 * The tables of the parts given, in the report's order: what a part prints as soon as it finishes
 * (with only its own figures) and what the whole report prints (with all of them).
 */
export function formatParts(parts: Partial<BenchParts>): string[] {
  const { runs = [], storage = [], search = [], modelSearch = [] } = parts;
  const out: string[] = [...chunkingSection(parts.chunking ?? null), ...runsSection(runs)];
  if (storage.length) {
    out.push(
      '',
      'Storage alone (VectorStore.replaceFileChunks into PGlite over the wire)',
      table(
        ['index', 'row shape', 'rows', 'dims', 'seconds', 'rows/s', 'index build s'],
        storage.map((s) => [s.index, s.rowShape, String(s.rows), String(s.dimensions), s.seconds.toFixed(2), String(s.rowsPerS), s.indexBuildSeconds?.toFixed(2) ?? '']),
      ),
    );
  }
  if (parts.staged) {
    const st = parts.staged;
    const cpu = (ms: number | null) => (ms === null ? '' : `, database CPU ${ms} ms/row`);
    out.push(
      '',
      `A file staged and swapped in (FileChunkWriter, IN_MEMORY_CHUNKS 100, ${st.rows} chunk rows of ${st.dimensions} dims):`,
      `staging ${st.stagingSeconds} s${cpu(st.stagingCpuMsPerRow)}; swap (one transaction) ${st.swapSeconds} s${cpu(st.swapCpuMsPerRow)}`,
    );
  }
  const fullText = parts.fullText ?? [];
  if (fullText.length) {
    const ms = (value: number | null) => (value === null ? '' : value.toFixed(3));
    out.push(
      '',
      "A chunk's full-text value (english, about 4 KB): to_tsvector in the database against put together from spans (FullTextValues), CPU ms per chunk",
      table(
        ['texts', 'chunks', 'to_tsvector: database', 'pass', 'spans: database', 'spans: writer', 'spans computed', 'texts whole'],
        fullText.flatMap((m) =>
          m.passes.map((p, i) => [
            i ? '' : m.texts,
            i ? '' : String(m.chunks),
            i ? '' : ms(m.toTsvectorDbMs),
            p.pass,
            ms(p.dbMs),
            ms(p.writerMs),
            `${(p.spansComputedShare * 100).toFixed(1)}%`,
            String(p.wholeTexts),
          ]),
        ),
      ),
    );
  }
  if (search.length) {
    out.push(
      '',
      'Search (VectorStore.search, top 10 within a knowledge base, median of the queries): exact scan, then through HNSW built over the same rows',
      table(
        ['rows', 'exact ms', 'HNSW ms', 'recall@10 of HNSW vs exact', 'plan with the index', 'queries', 'HNSW build s (with ANALYZE)'],
        search.map((m) => [
          String(m.rows),
          m.exactMs.toFixed(1),
          m.indexedMs.toFixed(1),
          m.recallAt10.toFixed(3),
          m.indexedPlan,
          String(m.queries),
          m.indexBuildSeconds.toFixed(1),
        ]),
      ),
    );
  }
  const indexedRuns = [...search.flatMap((m) => m.byEfSearch ?? []), ...modelSearch];
  if (indexedRuns.length) {
    const levels = [...new Set(indexedRuns.flatMap((run) => run.measures.filter((m) => m.search === 'walk').map((m) => m.efSearch)))];
    const how = { 'HNSW index scan': 'walk', 'sequential scan': 'scan', other: 'other' } as const;
    const cell = (m: IndexedSearchMeasure | undefined) => (m ? `${m.medianMs.toFixed(1)} ms, ${m.recallAt10.toFixed(3)}${m.plan ? ` (${how[m.plan]})` : ''}` : '');
    out.push(
      '',
      'Indexed against exact search (top 10 within one knowledge base, median ms and recall@10 against exact, and the plan: walk = the HNSW index, scan = a sequential scan of the table, other = neither): the index in reach at each hnsw.ef_search, and the service default (exact when the knowledge base has at most VECTOR_EXACT_MAX_ROWS rows)',
      table(
        ['vectors', 'table rows', 'knowledge base rows', 'exact ms', ...levels.map((ef) => `HNSW, ef_search ${ef}`), 'service default'],
        indexedRuns.map((run) => [
          run.vectors,
          String(run.tableRows),
          String(run.knowledgeBaseRows),
          run.exactMs.toFixed(1),
          ...levels.map((ef) => cell(run.measures.find((m) => m.search === 'walk' && m.efSearch === ef))),
          cell(run.measures.find((m) => m.search === 'default')),
        ]),
      ),
    );
  }
  if (parts.recall) {
    const r = parts.recall;
    out.push(
      '',
      `Search recall@5 by mode (local model, ${r.chunks} chunks of 128 tokens; questions made from a known answer chunk: a sentence without its first and last word, or the chunk's three rarest words)`,
      table(
        ['questions', 'count', 'vector', 'text', 'hybrid (RRF k=60)'],
        (['sentence', 'keywords', 'all'] as const).map((kind) => {
          const of = (mode: string) => r.measures.find((m) => m.kind === kind && m.mode === mode);
          return [kind, String(of('vector')?.questions ?? 0), ...['vector', 'text', 'hybrid'].map((mode) => of(mode)?.recallAt5.toFixed(2) ?? '')];
        }),
      ),
    );
  }
  if (parts.bigFile) {
    const b = parts.bigFile;
    out.push(
      '',
      `Large text file (${(b.bytes / 1048576).toFixed(0)} MB, remote-style embedder)`,
      b.ok
        ? `${b.chunks} chunks in ${b.seconds} s (${b.mbPerS} MB/s, ${b.chunksPerS} chunks/s); service RSS ${b.rssBeforeMb} MB before, peak ${b.peakRssMb} MB` +
            (b.timings
              ? `\nstages (s): ${Object.entries(b.timings)
                  .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
                  .join(', ')}`
              : '') +
            `\nCPU s during the request: service ${b.cpuS?.service ?? '?'}, database (PGlite) ${b.cpuS?.database ?? '?'}` +
            (b.database
              ? `\ndatabase: PGlite is one backend on one thread, busy ${Math.round(b.database.busyShare * 100)}% of the wall time (${b.cpuS.database} CPU s); ` +
                `to_tsvector of every chunk would have added ${b.database.fullTextS} s to it (${b.database.fullTextMsPerChunk} ms a chunk, measured alone on ` +
                `${b.database.sampleChunks} of them): the service puts the full-text values together from spans instead (FullTextValues)`
              : '')
        : `FAILED: ${b.error}; service peak RSS ${b.peakRssMb} MB`,
    );
  }
  if (parts.latency) out.push(...formatLatency(parts.latency));
  if (parts.reuse) {
    const r = parts.reuse;
    const row = (label: string, m: (typeof r.median)['full']) => [
      label,
      m.seconds.toFixed(2),
      String(m.chunks),
      String(m.embedded),
      String(m.reused),
      String(m.tokens),
      `${m.requests} / ${m.inputs}`,
      m.parseS.toFixed(2),
      m.embedS.toFixed(2),
    ];
    out.push(
      '',
      `Re-ingestion of a ${r.pages}-page PDF with one page edited (remote-style embedder; median of ${r.rounds} rounds, pages ${r.editedPages.join(', ')} edited; ` +
        `full = the same bytes as a new file, nothing to reuse; first ingestion ${r.first.seconds} s, ${r.first.embedded} chunks)`,
      table(
        ['re-ingestion', 'wall s', 'chunks', 'embedded', 'reused', 'tokens', 'requests / inputs', 'parse s', 'embed s'],
        [row('full', r.median.full), row('reuse (one page edited)', r.median.reuse), row('unchanged (skipped)', r.median.unchanged)],
      ),
      `reuse / full: time ${r.ratio.seconds}, tokens ${r.ratio.tokens}, embedder inputs ${r.ratio.inputs}`,
    );
  }
  return out;
}

function targetsSection(result: BenchResult): string[] {
  if (!result.targets.length) return [];
  return [
    '',
    'Targets (reported, not asserted)',
    table(
      ['target', 'measured', 'met'],
      result.targets.map((t) => [t.target, t.measured, t.met === null ? '?' : t.met ? 'yes' : 'NO']),
    ),
  ];
}

const writtenTo = (result: BenchResult) => (result.resultFile ? ['', `written to ${result.resultFile}`] : []);

/** The benchmark as text: throughput, where time goes, memory, rows, storage alone, large file, targets. */
export function formatReport(result: BenchResult): string {
  return [...header(result), ...formatParts(result), ...targetsSection(result), ...writtenTo(result)].join('\n');
}

/** What the end of a run prints, its parts' tables having been printed as each finished: the settings and the targets. */
export function formatClosing(result: BenchResult): string {
  return [...header(result), ...targetsSection(result), ...writtenTo(result)].join('\n');
}
