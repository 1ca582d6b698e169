import { createServer, type Server } from 'node:net';
import { PortInUseError, portIsFree } from './ports';

describe('ports', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('tells a port something listens on from a free one', async () => {
    expect(await portIsFree(port)).toBe(false);
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const freed = (other.address() as { port: number }).port;
    await new Promise<void>((resolve) => other.close(() => resolve()));
    expect(await portIsFree(freed)).toBe(true);
  });

  it('says in one line which variable chooses another port', () => {
    const error = new PortInUseError(port, 'API_PORT');
    expect(error.message).toBe(`port ${port} is in use: stop what listens there, or choose another with API_PORT=<port>`);
    expect(error.name).toBe('PortInUseError');
  });
});
