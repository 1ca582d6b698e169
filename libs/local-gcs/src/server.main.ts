// Runs local-gcs as its own process. Prints one JSON line on stdout once it listens:
//   {"event":"local-gcs.ready","url":"http://127.0.0.1:PORT","port":PORT,"rootDir":...,"buckets":[...]}
// It exits on SIGTERM/SIGINT, when an IPC parent disconnects, and when its stdin (if a pipe) closes,
// so a parent that dies leaves no orphan.
import { fstatSync } from 'node:fs';
import { startLocalGcs } from './local-gcs-server';
import { readServerConfig } from './server-config';

function stdinIsPipe(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const config = readServerConfig(process.argv.slice(2), process.env);
  const gcs = await startLocalGcs({ port: config.port, host: config.host, rootDir: config.rootDir, buckets: config.buckets });
  let exiting = false;
  const shutdown = (reason: string) => {
    if (exiting) return;
    exiting = true;
    process.stderr.write(`${JSON.stringify({ level: 'info', msg: 'local-gcs stopping', reason })}\n`);
    const force = setTimeout(() => process.exit(0), 5000);
    force.unref();
    void gcs.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  if (process.connected) process.once('disconnect', () => shutdown('parent disconnected'));
  if (stdinIsPipe()) {
    process.stdin.on('data', () => undefined);
    process.stdin.once('end', () => shutdown('stdin closed'));
    process.stdin.once('close', () => shutdown('stdin closed'));
  }
  process.stdout.write(`${JSON.stringify({ event: 'local-gcs.ready', url: gcs.url, port: gcs.port, rootDir: config.rootDir ?? null, buckets: config.buckets })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'local-gcs failed to start', error: (error as Error).message })}\n`);
  process.exit(1);
});
