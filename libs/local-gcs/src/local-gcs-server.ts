import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiskObjectStore } from './disk-object-store';
import type { DownloadFaults } from './download-route';
import { GcsService } from './gcs-service';
import { handleRequest } from './gcs-router';
import { MemoryObjectStore } from './memory-object-store';
import type { ObjectStore } from './object-store';
import { logRequest, requestLoggingWanted } from './request-log';
import { ResumableSessions } from './resumable-sessions';

export interface LocalGcsOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Keep objects as files under this directory; absent: in memory. */
  rootDir?: string;
  /** Buckets created at start (kept if they already exist). */
  buckets?: string[];
  /** Start with downloads corrupted (see `faults`). */
  corruptDownloads?: boolean;
  /** Log one JSON line per request to stderr; default: when LOCAL_GCS_DEBUG is set. */
  logRequests?: boolean;
}

export interface LocalGcs {
  /** `http://host:port`, the client's apiEndpoint. */
  url: string;
  host: string;
  port: number;
  server: Server;
  /** Fault injection for tests; changes apply to the next request. */
  faults: DownloadFaults;
  /** Stops listening, drops open connections and unfinished uploads. */
  stop(): Promise<void>;
}

/** Starts a GCS JSON API server in this process; resolves once it listens. */
export async function startLocalGcs(options: LocalGcsOptions = {}): Promise<LocalGcs> {
  const store: ObjectStore = options.rootDir ? await DiskObjectStore.open(options.rootDir) : new MemoryObjectStore();
  const service = new GcsService(store);
  for (const bucket of options.buckets ?? []) await service.ensureBucket(bucket);
  const sessions = new ResumableSessions(service);
  const faults: DownloadFaults = { corruptDownloads: options.corruptDownloads ?? false };
  const log = options.logRequests ?? requestLoggingWanted();

  const server = createServer((req, res) => {
    if (log) logRequest(req, res, (line) => process.stderr.write(`${line}\n`));
    void handleRequest({ service, sessions, faults }, req, res);
  });
  // Node's clients keep idle sockets for 5 s, the server's default too: a request sent on a socket
  // the server is closing at that very moment fails with EPIPE or ECONNRESET. A longer server
  // side (as Google's front ends keep theirs) lets the client always be the one that closes.
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await sessions.close();
      await service.close();
    })());

  return { url: `http://${urlHost}:${port}`, host, port, server, faults, stop };
}
