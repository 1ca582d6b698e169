import { createServer, type Server } from 'node:net';
import { ClientConnection, type SessionLimits, type SharedSession } from './client-connection';
import type { Log } from './json-log';
import type { PgliteSession } from './pglite-session';
import { SessionLock } from './session-lock';

export interface WireServerOptions {
  host: string;
  /** 0: a free port. */
  port: number;
  log: Log;
  limits: SessionLimits;
}

/**
 * Serves the one PGlite session to any number of clients over the Postgres wire protocol
 * (no SSL, no authentication). See ClientConnection for how they take turns; the watch here
 * disconnects a holder that sits idle while others wait.
 */
export class PgliteWireServer {
  private readonly server: Server;
  private readonly shared: SharedSession;
  private readonly watch: NodeJS.Timeout;
  private nextId = 1;

  constructor(
    session: PgliteSession,
    private readonly options: WireServerOptions,
  ) {
    this.shared = {
      exec: (messages) => session.exec(messages),
      inTransaction: () => session.inTransaction(),
      serverParameters: session.serverParameters,
      lock: new SessionLock(),
      log: options.log,
      limits: options.limits,
      connections: new Map(),
      besideWaiters: new Set(),
      settingsOwner: null,
    };
    this.server = createServer((socket) => {
      const connection = new ClientConnection(this.nextId++, socket, this.shared);
      this.shared.connections.set(connection.id, connection);
      void connection.finished.then(() => this.shared.connections.delete(connection.id));
    });
    // Looks often enough that a holder is cut within a fifth of the limit after it runs out.
    const every = Math.min(1_000, Math.max(20, Math.floor(options.limits.idleInTransactionMs / 5)));
    this.watch = setInterval(() => this.cutIdleHolder(), every);
    this.watch.unref();
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting, drops every client (rolling back what they left open) and waits until the session is clean. */
  async close(): Promise<void> {
    clearInterval(this.watch);
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const connections = [...this.shared.connections.values()];
    for (const connection of connections) connection.destroy();
    await Promise.all(connections.map((connection) => connection.finished));
    await stopped;
  }

  /** A holder with nothing to run for longer than the limit, while anyone waits, is disconnected. */
  private cutIdleHolder(): void {
    const { lock, connections, besideWaiters, limits } = this.shared;
    const waiting = lock.queued + besideWaiters.size;
    if (lock.owner === null || waiting === 0) return;
    const holder = connections.get(lock.owner);
    const idleMs = holder?.idleHoldingMs(Date.now());
    if (holder && idleMs != null && idleMs >= limits.idleInTransactionMs) holder.cutIdle(idleMs, waiting);
  }
}
