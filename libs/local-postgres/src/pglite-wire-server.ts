import { createServer, type Server } from 'node:net';
import { ClientConnection, type SharedSession } from './client-connection';
import type { Log } from './json-log';
import type { PgliteSession } from './pglite-session';
import { SessionLock } from './session-lock';

export interface WireServerOptions {
  host: string;
  /** 0: a free port. */
  port: number;
  log: Log;
}

/**
 * Serves the one PGlite session to any number of clients over the Postgres wire protocol
 * (no SSL, no authentication). See ClientConnection for how they take turns.
 */
export class PgliteWireServer {
  private readonly server: Server;
  private readonly connections = new Set<ClientConnection>();
  private readonly shared: SharedSession;
  private nextId = 1;

  constructor(session: PgliteSession, private readonly options: WireServerOptions) {
    this.shared = {
      exec: (messages) => session.exec(messages),
      inTransaction: () => session.inTransaction(),
      serverParameters: session.serverParameters,
      lock: new SessionLock(),
      log: options.log,
    };
    this.server = createServer((socket) => {
      const connection = new ClientConnection(this.nextId++, socket, this.shared);
      this.connections.add(connection);
      void connection.finished.then(() => this.connections.delete(connection));
    });
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
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const connections = [...this.connections];
    for (const connection of connections) connection.destroy();
    await Promise.all(connections.map((connection) => connection.finished));
    await stopped;
  }
}
