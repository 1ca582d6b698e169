import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { parseArgs } from 'node:util';
import { PgliteWireServer } from './pglite-wire-server';

/**
 * PostgreSQL with pgvector in its own process: PGlite behind the wire protocol.
 *   --port N (0: a free one)  --host H  --data-dir DIR (absent: in memory)
 * Prints one JSON line {"event":"ready",...} when it accepts connections. Exits on SIGTERM or
 * SIGINT (closing PGlite so a data dir is flushed) and when its stdin closes (its parent died).
 */
function log(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service: 'local-postgres', event, ...fields })}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.LOCAL_PG_PORT ?? '0' },
      host: { type: 'string', default: process.env.LOCAL_PG_HOST ?? '127.0.0.1' },
      'data-dir': { type: 'string', default: process.env.LOCAL_PG_DATA_DIR },
      'exit-with-stdin': { type: 'boolean', default: false },
    },
  });
  const dataDir = values['data-dir'];
  const started = Date.now();
  const db = await PGlite.create(dataDir ? dataDir : undefined, { extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  const server = new PgliteWireServer(db, { host: values.host!, port: Number(values.port), log });
  await server.start();
  const url = `postgres://postgres@${values.host}:${server.port}/postgres?sslmode=disable`;
  log('ready', { url, port: server.port, dataDir: dataDir ?? null, startupMs: Date.now() - started });

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log('stopping', { reason });
    await server.stop();
    await db.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (values['exit-with-stdin']) {
    process.stdin.on('end', () => void stop('parent exited'));
    process.stdin.on('error', () => void stop('parent exited'));
    process.stdin.resume();
  }
}

main().catch((error) => {
  log('failed', { error: (error as Error).stack ?? String(error) });
  process.exit(1);
});
