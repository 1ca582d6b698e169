import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The kernel's range for outgoing connections' local ports (Linux); the usual default elsewhere. */
function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return [low, high];
  } catch {
    // not Linux
  }
  return [32768, 60999];
}

/** Lowest port handed out: above the well-known services' usual ports. */
const LOWEST = 10_000;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port nothing listens on, for a process started next to bind. Drawn at random below
 * the ephemeral range: a port the kernel picks (listen on 0) is one it also gives to outgoing
 * connections, so on a busy machine a client socket could hold it by the time the process
 * binds, seconds later (EADDRINUSE). An in-process server listens on 0 instead.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralPortRange();
  const highest = Math.max(LOWEST + 1_000, ephemeralLow) - 1;
  for (let tries = 0; tries < 100; tries++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port between ${LOWEST} and ${highest}`);
}
