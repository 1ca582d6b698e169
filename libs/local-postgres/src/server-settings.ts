import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultTemplateFile } from './pglite-session';

export interface ServerSettings {
  host: string;
  port: number;
  /** Absent: in memory. */
  dataDir?: string;
  /** For a new database (in memory, or an empty data dir); null: no template. */
  templateFile: string | null;
  /** Exit when stdin closes: the parent that spawned this process has gone. */
  exitWithStdin: boolean;
  /** A client holding the session idle (in a transaction) this long while others wait is disconnected. */
  idleInTransactionTimeoutMs: number;
  /** A client waiting this long for the session gets an error (55P03) instead. */
  sessionWaitTimeoutMs: number;
}

export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;
export const DEFAULT_SESSION_WAIT_TIMEOUT_MS = 120_000;

export const USAGE = `PostgreSQL with pgvector (PGlite) over the wire protocol.
  --port N           LOCAL_PG_PORT       0 (default): a free port, printed in the "ready" line
  --host H           LOCAL_PG_HOST       default 127.0.0.1
  --data-dir DIR     LOCAL_PG_DATA_DIR   default: in memory
  --template FILE    LOCAL_PG_TEMPLATE   a new database starts from this dump (an in-memory start makes it
                                         when missing); default: one per PGlite version in the temp dir
  --no-template                          a new database is made by initdb (slower)
  --idle-in-transaction-timeout-ms N
                     LOCAL_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS
                                         default 30000: a client holding the one session idle (in a
                                         transaction) this long while others wait is disconnected (25P03)
  --session-wait-timeout-ms N
                     LOCAL_PG_SESSION_WAIT_TIMEOUT_MS
                                         default 120000: a client waiting this long for the session
                                         gets an error (55P03) instead
  --exit-with-stdin                      exit when stdin closes (used by startLocalPostgres)`;

/** Thrown for flags this server does not take, with the usage text. */
export class ServerSettingsError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'ServerSettingsError';
  }
}

/** Flags win over environment variables, which win over defaults. */
export function serverSettings(argv: string[], env: NodeJS.ProcessEnv): ServerSettings {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        template: { type: 'string' },
        'no-template': { type: 'boolean', default: false },
        'exit-with-stdin': { type: 'boolean', default: false },
        'idle-in-transaction-timeout-ms': { type: 'string' },
        'session-wait-timeout-ms': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new ServerSettingsError((error as Error).message);
  }
  const port = Number(values.port ?? env.LOCAL_PG_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ServerSettingsError(`Port must be 0-65535, got ${values.port ?? env.LOCAL_PG_PORT}`);
  const idleInTransactionTimeoutMs = milliseconds(
    'LOCAL_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS (--idle-in-transaction-timeout-ms)',
    values['idle-in-transaction-timeout-ms'] ?? env.LOCAL_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  );
  const sessionWaitTimeoutMs = milliseconds(
    'LOCAL_PG_SESSION_WAIT_TIMEOUT_MS (--session-wait-timeout-ms)',
    values['session-wait-timeout-ms'] ?? env.LOCAL_PG_SESSION_WAIT_TIMEOUT_MS,
    DEFAULT_SESSION_WAIT_TIMEOUT_MS,
  );
  const dataDir = values['data-dir'] ?? env.LOCAL_PG_DATA_DIR;
  const template = values.template ?? env.LOCAL_PG_TEMPLATE;
  return {
    host: values.host ?? env.LOCAL_PG_HOST ?? '127.0.0.1',
    port,
    dataDir: dataDir ? resolve(dataDir) : undefined,
    templateFile: values['no-template'] ? null : template ? resolve(template) : defaultTemplateFile(),
    exitWithStdin: values['exit-with-stdin'] ?? false,
    idleInTransactionTimeoutMs,
    sessionWaitTimeoutMs,
  };
}

/** A limit in milliseconds: a whole number from 100 ms to one day. */
function milliseconds(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 100 || value > 86_400_000)
    throw new ServerSettingsError(`${name} must be a whole number of milliseconds from 100 to 86400000, got "${raw}"`);
  return value;
}
