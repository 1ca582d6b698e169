import { Client, Pool, type PoolConfig } from 'pg';
import { startedLater } from '@docingest/contracts/testing';
import { startLocalPostgres, type LocalPostgres, type LocalPostgresOptions } from '../start-local-postgres';

export interface UseLocalPostgresOptions extends LocalPostgresOptions {
  /** Connections of the block's pool; default 2. */
  poolSize?: number;
}

/** A client whose asynchronous errors (a FATAL while idle, a cut connection) are collected here, not thrown. */
export type CollectingClient = Client & { errors: Array<Error & { code?: string; severity?: string }> };

/** What a describe block's server gives its tests; usable from the first beforeAll after useLocalPostgres on. */
export interface DescribedPostgres {
  /**
   * A server of the block's own, in memory on a free port: no other test or process reaches its
   * database, and what one test leaves there the next test of the block sees.
   */
  server: LocalPostgres;
  /** A pool on it (`poolSize` connections). */
  pool: Pool;
  /** The server's JSON events as it printed them, oldest first. */
  events: Array<Record<string, unknown>>;
  /** A connected client, ended after the test that opened it (opened in a beforeAll: after the first test). */
  connect(): Promise<CollectingClient>;
  /** Another pool on the server, with its own settings, ended with the block's pool. */
  openPool(config?: PoolConfig): Pool;
}

/**
 * The local PostgreSQL for the enclosing describe block: started in a beforeAll, with a pool on
 * it; the clients it opened are ended after each test, and its pools and then the server after
 * the block's tests, whatever failed. Hooks run in the order they are declared, so the block's own
 * afterAll runs after the server has stopped: pools and clients a test must end while the server
 * runs come from `openPool` and `connect`.
 *   const { server, pool } = useLocalPostgres({ poolSize: 4 });
 */
export function useLocalPostgres(options: UseLocalPostgresOptions = {}): DescribedPostgres {
  const { poolSize = 2, onLog, ...serverOptions } = options;
  const current: { server?: LocalPostgres; pool?: Pool } = {};
  const events: Array<Record<string, unknown>> = [];
  const clients: Client[] = [];
  const pools: Pool[] = [];
  const server = startedLater(() => current.server, "the local PostgreSQL is used before useLocalPostgres's beforeAll has started it");
  const openPool = (config: PoolConfig = {}) => {
    const pool = new Pool({ ...config, connectionString: server.url });
    pools.push(pool);
    return pool;
  };
  const endClients = () => Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));

  beforeAll(async () => {
    current.server = await startLocalPostgres({
      ...serverOptions,
      onLog: (line) => {
        if (line.startsWith('{')) events.push(JSON.parse(line));
        onLog?.(line);
      },
    });
    current.pool = openPool({ max: poolSize });
  });
  afterEach(endClients);
  afterAll(async () => {
    await endClients();
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
    await current.server?.stop();
  });

  return {
    server,
    pool: startedLater(() => current.pool, "the pool is used before useLocalPostgres's beforeAll has opened it"),
    events,
    openPool,
    async connect() {
      const client: CollectingClient = Object.assign(new Client({ connectionString: server.url }), { errors: [] });
      client.on('error', (error) => client.errors.push(error));
      clients.push(client);
      await client.connect();
      return client;
    },
  };
}
