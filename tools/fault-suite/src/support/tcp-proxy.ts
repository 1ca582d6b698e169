import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  readonly open: number;
  /** Cuts every open connection at once, both sides, as a network failure would. */
  cut(): void;
  /** While on, new connections are dropped as soon as they arrive. */
  refuse(on: boolean): void;
  /**
   * While on, a connection whose upstream end dies is kept open towards the client and gives no
   * sign: what a client sees when the host on the other side vanished (no FIN, no RST).
   */
  vanishOnUpstreamLoss(on: boolean): void;
  close(): Promise<void>;
}

/** A TCP relay on 127.0.0.1 to `upstreamPort`, which a test can cut, block or turn silent. */
export async function startTcpProxy(upstreamPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  let vanish = false;
  let accepted = 0;

  const server: Server = createServer((client) => {
    accepted++;
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forget = () => pairs.delete(pair);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.pipe(upstream);
    upstream.pipe(client, { end: false });
    client.on('close', () => {
      upstream.destroy();
      forget();
    });
    upstream.on('close', (hadError) => {
      if (vanish && !client.destroyed) {
        client.unpipe(upstream);
        client.resume(); // swallow whatever the client still sends
        return;
      }
      // A clean end flushes what the upstream already sent; an error cuts.
      if (hadError) client.destroy();
      else client.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    cut() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    refuse(on) {
      refusing = on;
    },
    vanishOnUpstreamLoss(on) {
      vanish = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        pairs.clear();
        server.close(() => resolve());
      }),
  };
}
