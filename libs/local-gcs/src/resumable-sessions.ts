import { randomUUID } from 'node:crypto';
import type { ContentHashes } from './content-hasher';
import { badRequest, GcsHttpError } from './gcs-errors';
import type { GcsService } from './gcs-service';
import { KeyedLock } from './keyed-lock';
import type { ObjectRecord } from './object-store';
import type { ObjectTarget } from './object-target';
import type { PendingUpload } from './pending-upload';
import { parseUploadContentRange } from './upload-content-range';

/** Sessions idle this long are dropped (GCS keeps them a week; a local server needs less). */
const SESSION_IDLE_MS = 24 * 60 * 60 * 1000;

interface Session {
  target: ObjectTarget;
  upload: PendingUpload;
  /** From X-Upload-Content-Length at creation, if the client knew it. */
  declaredTotal: number | undefined;
  result: ObjectRecord | undefined;
  lastActivity: number;
}

export type ChunkOutcome = { done: true; record: ObjectRecord } | { done: false; received: number };

async function drain(body: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of body);
}

/**
 * Resumable upload sessions: bytes arrive in one or more PUTs, each saying with Content-Range
 * where its bytes go; the object exists once the last byte of a known total has arrived.
 * Sessions live in this process only.
 */
export class ResumableSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly lock = new KeyedLock();

  constructor(private readonly service: GcsService) {}

  async create(target: ObjectTarget, declaredTotal: number | undefined): Promise<string> {
    await this.dropIdle();
    await this.service.requireBucket(target.bucket);
    const id = randomUUID().replace(/-/g, '');
    const upload = await this.service.beginUpload();
    this.sessions.set(id, { target, upload, declaredTotal, result: undefined, lastActivity: Date.now() });
    return id;
  }

  /** Handles one PUT of a session (bytes, or a status query). */
  async put(id: string, contentRange: string | undefined, body: AsyncIterable<Buffer>, claimed: Partial<ContentHashes>): Promise<ChunkOutcome> {
    return this.lock.run(id, async () => {
      const session = this.sessions.get(id);
      if (!session) {
        await drain(body);
        throw new GcsHttpError(404, 'notFound', `No upload session ${id}: it was never created, was cancelled, or this server restarted`);
      }
      session.lastActivity = Date.now();
      if (session.result) {
        await drain(body);
        return { done: true, record: session.result };
      }
      const chunk = parseUploadContentRange(contentRange);
      const upload = session.upload;
      if (chunk.kind === 'query') {
        await drain(body);
        const total = chunk.total ?? session.declaredTotal;
        if (total !== undefined && total === upload.size) return this.finish(id, session, claimed);
        return { done: false, received: upload.size };
      }

      if (chunk.start > upload.size) {
        await drain(body);
        throw badRequest(`this chunk starts at byte ${chunk.start} but the server has only ${upload.size} bytes; resend from byte ${upload.size}`);
      }
      const total = chunk.total ?? session.declaredTotal;
      const last = chunk.end ?? (total !== undefined ? total - 1 : Infinity);
      // Bytes before upload.size were received already (a retried chunk); skip them.
      let position = chunk.start;
      for await (const data of body) {
        const skip = Math.max(0, Math.min(data.length, upload.size - position));
        const end = position + data.length - 1;
        if (end > last) throw badRequest(`the request body runs past byte ${last}, where its Content-Range ends`);
        await upload.write(skip ? data.subarray(skip) : data);
        position += data.length;
      }
      if (total !== undefined && upload.size > total) throw badRequest(`received ${upload.size} bytes, more than the ${total} declared`);
      const finalByUnknownTotal = chunk.end === undefined && total === undefined;
      if (finalByUnknownTotal || (total !== undefined && upload.size === total)) return this.finish(id, session, claimed);
      return { done: false, received: upload.size };
    });
  }

  /** Cancels a session (DELETE on its URI). */
  async cancel(id: string): Promise<boolean> {
    return this.lock.run(id, async () => {
      const session = this.sessions.get(id);
      if (!session) return false;
      this.sessions.delete(id);
      if (!session.result) await session.upload.discard();
      return true;
    });
  }

  async close(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(open.filter((s) => !s.result).map((s) => s.upload.discard()));
  }

  private async finish(id: string, session: Session, claimed: Partial<ContentHashes>): Promise<ChunkOutcome> {
    try {
      session.result = await this.service.commitUpload(session.upload, session.target, claimed);
    } catch (error) {
      this.sessions.delete(id); // its bytes are gone; the client must start a new session
      throw error;
    }
    return { done: true, record: session.result };
  }

  private async dropIdle(): Promise<void> {
    const cutoff = Date.now() - SESSION_IDLE_MS;
    for (const [id, session] of this.sessions) {
      if (session.lastActivity < cutoff) await this.cancel(id);
    }
  }
}
