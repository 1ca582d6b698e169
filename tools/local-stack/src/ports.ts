import { createServer } from 'node:net';

/** True when nothing listens on the port (on loopback). */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export class PortInUseError extends Error {
  constructor(port: number, variable: string) {
    super(`port ${port} is in use: stop what listens there, or choose another with ${variable}=<port>`);
    this.name = 'PortInUseError';
  }
}
