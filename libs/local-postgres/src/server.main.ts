import { jsonLineLog } from './json-log';
import { PgliteSession } from './pglite-session';
import { PgliteWireServer } from './pglite-wire-server';
import { serverSettings } from './server-settings';

/**
 * PostgreSQL with pgvector in its own process: PGlite behind the wire protocol.
 *   node -r @swc-node/register libs/local-postgres/src/server.main.ts --port 5433 --data-dir tmp/pg
 * Logs one JSON line per event on stdout; {"event":"ready","url":...,"port":...} once it accepts
 * connections. SIGTERM/SIGINT close PGlite (a data dir is flushed) and exit 0.
 */
const log = jsonLineLog('local-postgres');
const SHUTDOWN_LIMIT_MS = 15_000;

async function main(): Promise<void> {
  const settings = serverSettings(process.argv.slice(2), process.env);
  const started = Date.now();
  const session = await PgliteSession.open({ dataDir: settings.dataDir, templateFile: settings.templateFile, log });
  const server = new PgliteWireServer(session, {
    host: settings.host,
    port: settings.port,
    log,
    limits: { idleInTransactionMs: settings.idleInTransactionTimeoutMs, sessionWaitMs: settings.sessionWaitTimeoutMs },
  });
  await server.listen();
  // Listening on every interface: clients on this machine still come in through loopback.
  const host = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `postgres://postgres@${host}:${server.port}/postgres?sslmode=disable`;
  log('ready', {
    url,
    port: server.port,
    pid: process.pid,
    dataDir: settings.dataDir ?? null,
    origin: session.origin,
    fileGrowth: session.fileGrowth,
    idleInTransactionTimeoutMs: settings.idleInTransactionTimeoutMs,
    sessionWaitTimeoutMs: settings.sessionWaitTimeoutMs,
    startupMs: Date.now() - started,
  });

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log('stopping', { reason });
    // A stuck close must not leave the process behind.
    setTimeout(() => {
      log('stop_timed_out', { afterMs: SHUTDOWN_LIMIT_MS });
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    await server.close();
    await session.close();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (settings.exitWithStdin) {
    process.stdin.on('end', () => void stop('parent gone'));
    process.stdin.on('error', () => void stop('parent gone'));
    process.stdin.resume();
  }
}

main().catch((error: Error) => {
  log('failed', { error: error.stack ?? error.message });
  process.exit(1);
});
