import { join } from 'node:path';
import { runBenchmark } from './bench-runner';
import { parseCliOptions, UsageError } from './cli-options';
import { formatClosing } from './report/print-report';

// `npm run bench -- --size quick|full ...`: runs the benchmark, printing each part's tables as it
// finishes (and appending its figures to bench/results/<timestamp>.jsonl), then the targets; the
// whole result goes to bench/results/<timestamp>.json at the end.
async function main(): Promise<void> {
  const options = parseCliOptions(process.argv.slice(2), join(__dirname, '..', 'results'));
  const result = await runBenchmark(options);
  process.stdout.write(`\n${formatClosing(result)}\n`);
  const failed = result.runs.filter((r) => r.failed > 0);
  if (failed.length) {
    process.stderr.write(`\n${failed.length} run(s) had failed files: ${failed.map((r) => r.label).join(', ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof UsageError ? error.message : `benchmark failed: ${(error as Error).stack ?? error}`}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
