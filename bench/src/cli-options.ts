import { parseArgs } from 'node:util';
import { defaultOptions, type BenchOptions } from './bench-options';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `npm run bench -- [options]
  --size quick|full          corpus and phase sizes (default full)
  --concurrency N[,M...]     files at once in the concurrent runs (default 4); more levels (4,16)
                             are measured for the remote-style embedder too, side by side
  --delay-ms N               embedding fixture delay per request (default 150)
  --max-inputs N             fixture's inputs-per-request limit, 400 above it (default 2048)
  --batch-size N             batch_size of each /ingest-file request (default 20)
  --max-in-flight N          the service's OPENAI_MAX_IN_FLIGHT (default 4)
  --workers N                local model workers of the pool runs (default: one per core)
  --vector-index none|hnsw   the service's VECTOR_INDEX for the comparison (default none, as the baseline's table)
  --storage-rows N           rows of the storage-alone measure (default 20000 full, 500 quick)
  --hnsw-rows N              rows inserted into a table with the default index, and one past it (default 2000 full, 100 quick)
  --search-rows N[,M...]     table sizes of the search latency and recall measure (default 20000,100000 full, 500 quick)
  --model-search-rows N[,M...]  rows of local-model vectors (the bench's prose) the indexed search is
                             measured on against exact search, per hnsw.ef_search (default 20000 full, none quick; 0: none)
  --big-mb N                 size of the large text file, 0 to skip (default 100 full, 0 quick)
  --big-batch-size N         batch_size of the large-file request (default 100)
  --latency-files N          one-page PDFs timed from upload to completed on the whole local stack
                             (default 20 full, 5 quick); --only latency runs that alone
  --latency-poll-ms N        the poller's interval in that run (default 500, the CLI's)
  --latency-idle-s N         idle seconds before one more file, measured as after idle (default 35, 0: none)
  --reuse-pages N            pages of the PDF re-ingested with one page edited (default 300 full, 20 quick)
  --reuse-rounds N           rounds of that measure, a different page edited each (default 3)
  --skip chunking,remote,local,single-worker,storage,big,recall,latency,reuse,baseline
                             (baseline: ours alone in the remote and local phases, no LlamaIndex runs)
  --only recall[,storage...]   run only these phases (same names as --skip); --only recall gives
                             the search recall@5 per mode alone, --only reuse the re-ingestion of
                             an edited document (chunks embedded vs reused, time, tokens) beside a
                             full re-ingestion
  --out DIR                  where the JSON result goes (default bench/results)`;

function positive(name: string, value: string | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new UsageError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got '${value}'`);
  return n;
}

/** Flags → options; throws UsageError with the flag's name for anything it cannot use. */
export function parseCliOptions(argv: string[], defaultResultsDir: string): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string', default: 'full' },
      concurrency: { type: 'string' },
      'delay-ms': { type: 'string' },
      'max-inputs': { type: 'string' },
      'batch-size': { type: 'string' },
      'max-in-flight': { type: 'string' },
      workers: { type: 'string' },
      'vector-index': { type: 'string' },
      'storage-rows': { type: 'string' },
      'hnsw-rows': { type: 'string' },
      'search-rows': { type: 'string' },
      'model-search-rows': { type: 'string' },
      'big-mb': { type: 'string' },
      'big-batch-size': { type: 'string' },
      'latency-files': { type: 'string' },
      'latency-poll-ms': { type: 'string' },
      'latency-idle-s': { type: 'string' },
      'reuse-pages': { type: 'string' },
      'reuse-rounds': { type: 'string' },
      skip: { type: 'string', default: '' },
      only: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageError(USAGE);
  if (values.size !== 'quick' && values.size !== 'full') throw new UsageError(`--size must be quick or full, got '${values.size}'`);
  const options = defaultOptions(values.size);
  const set = <K extends keyof BenchOptions>(key: K, value: BenchOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  if (values.concurrency !== undefined) {
    const levels = values.concurrency.split(',').map((level) => positive('concurrency', level.trim())!);
    options.concurrency = levels[0];
    options.extraRemoteConcurrency = [...new Set(levels.slice(1).filter((level) => level !== levels[0]))];
  }
  set('embedDelayMs', positive('delay-ms', values['delay-ms'], true));
  set('maxInputsPerRequest', positive('max-inputs', values['max-inputs']));
  set('batchSize', positive('batch-size', values['batch-size']));
  set('openaiMaxInFlight', positive('max-in-flight', values['max-in-flight']));
  set('poolWorkers', positive('workers', values.workers));
  set('storageRows', positive('storage-rows', values['storage-rows']));
  set('storageHnswRows', positive('hnsw-rows', values['hnsw-rows']));
  if (values['search-rows'] !== undefined) options.searchRows = values['search-rows'].split(',').map((n) => positive('search-rows', n.trim())!);
  if (values['model-search-rows'] !== undefined)
    options.modelSearchRows = values['model-search-rows']
      .split(',')
      .map((n) => positive('model-search-rows', n.trim(), true)!)
      .filter((n) => n > 0);
  set('bigFileMb', positive('big-mb', values['big-mb'], true));
  set('bigFileBatchSize', positive('big-batch-size', values['big-batch-size']));
  set('latencyFiles', positive('latency-files', values['latency-files']));
  set('latencyPollMs', positive('latency-poll-ms', values['latency-poll-ms']));
  set('latencyIdleS', positive('latency-idle-s', values['latency-idle-s'], true));
  set('reusePages', positive('reuse-pages', values['reuse-pages']));
  set('reuseRounds', positive('reuse-rounds', values['reuse-rounds']));
  if (values['vector-index'] !== undefined) {
    if (values['vector-index'] !== 'none' && values['vector-index'] !== 'hnsw')
      throw new UsageError(`--vector-index must be none or hnsw, got '${values['vector-index']}'`);
    options.vectorIndex = values['vector-index'];
  }
  if (values['big-mb'] !== undefined) options.phases.bigFile = options.bigFileMb > 0;
  const known = {
    chunking: 'chunking',
    remote: 'remote',
    local: 'local',
    'single-worker': 'singleWorker',
    storage: 'storage',
    big: 'bigFile',
    recall: 'recall',
    latency: 'latency',
    reuse: 'reuse',
    baseline: 'baseline',
  } as const;
  if (values.only !== undefined) {
    const only = values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const name of only) if (!(name in known)) throw new UsageError(`--only takes ${Object.keys(known).join(', ')}; got '${name}'`);
    // The baseline goes with the phases it is part of: --only remote still runs it beside ours.
    for (const [name, phase] of Object.entries(known))
      if (phase !== 'baseline') options.phases[phase] = only.includes(name) && (phase !== 'bigFile' || options.bigFileMb > 0);
  }
  for (const name of values
    .skip!.split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(name in known)) throw new UsageError(`--skip takes ${Object.keys(known).join(', ')}; got '${name}'`);
    options.phases[known[name as keyof typeof known]] = false;
  }
  options.resultsDir = values.out ?? defaultResultsDir;
  return options;
}
