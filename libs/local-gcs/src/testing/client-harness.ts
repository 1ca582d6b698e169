// Shared set-up for the specs that drive the real @google-cloud/storage client.
import { Storage } from '@google-cloud/storage';
import type { IncomingMessage } from 'node:http';
import { startLocalGcs, type LocalGcs, type LocalGcsOptions } from '../local-gcs-server';
import { localStorageOptions } from '../local-storage-options';

// If the client looked for Google credentials at all, it would trip over this path and fail.
process.env.GOOGLE_APPLICATION_CREDENTIALS = '/nonexistent/local-gcs-must-not-read-credentials.json';
delete process.env.STORAGE_EMULATOR_HOST;

export interface SeenRequest {
  method: string;
  url: string;
  contentRange: string | undefined;
}

export interface Harness {
  gcs: LocalGcs;
  storage: Storage;
  /** Every request the server received, in order. */
  seen: SeenRequest[];
}

export async function startHarness(options: LocalGcsOptions = {}): Promise<Harness> {
  const gcs = await startLocalGcs(options);
  const seen: SeenRequest[] = [];
  gcs.server.on('request', (req: IncomingMessage) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', contentRange: req.headers['content-range'] });
  });
  // Exactly the options the rest of the project uses.
  const storage = new Storage(localStorageOptions(gcs.url));
  return { gcs, storage, seen };
}

export async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: unknown };
  }
  throw new Error('expected a rejection, but it resolved');
}
