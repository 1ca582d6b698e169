// The ingestion service's own entry (cloudrun/ingestion/src/main.ts), started by the benchmark
// as a child process so its memory can be read alone. The one addition: it exits when the
// benchmark's end of its stdin closes, so a crashed or killed benchmark leaves no orphan.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../../../cloudrun/ingestion/src/main');
