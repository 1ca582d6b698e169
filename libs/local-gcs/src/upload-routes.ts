import { parseGoogHash } from './content-hasher';
import { badRequest, GcsHttpError } from './gcs-errors';
import { objectResource } from './gcs-resources';
import type { GcsService } from './gcs-service';
import { header, sendEmpty, sendJson, type RequestContext } from './http-context';
import { multipartBoundary, readMultipart, type PartConsumer } from './multipart-related';
import { objectTarget } from './object-target';
import type { PendingUpload } from './pending-upload';
import { preconditionsFrom } from './preconditions';
import { parseJsonObject, readJsonObject } from './request-body';
import type { ResumableSessions } from './resumable-sessions';

const MAX_METADATA_PART_BYTES = 1024 * 1024;

function contentTypeOf(ctx: RequestContext): string | undefined {
  return header(ctx.req, 'content-type')?.trim() || undefined;
}

/** POST /upload/storage/v1/b/:bucket/o?uploadType=multipart: a JSON resource part, then the bytes. */
async function multipartUpload(service: GcsService, ctx: RequestContext, bucket: string): Promise<void> {
  const boundary = multipartBoundary(contentTypeOf(ctx));
  await service.requireBucket(bucket);
  const upload = await service.beginUpload();
  let resourceBytes: Buffer[] = [];
  let resourceSize = 0;
  let mediaType: string | undefined;
  try {
    const parts = await readMultipart(ctx.req, boundary, (index, headers): PartConsumer => {
      if (index === 0) {
        return {
          write: async (chunk) => {
            resourceSize += chunk.length;
            if (resourceSize > MAX_METADATA_PART_BYTES) throw badRequest(`the metadata part is over ${MAX_METADATA_PART_BYTES} bytes`);
            resourceBytes.push(Buffer.from(chunk));
          },
        };
      }
      if (index === 1) {
        mediaType = headers['content-type'];
        return { write: (chunk) => upload.write(chunk) };
      }
      throw badRequest('a multipart upload has exactly two parts: the JSON resource, then the data');
    });
    if (parts !== 2) throw badRequest(`a multipart upload has exactly two parts, this one had ${parts}`);
  } catch (error) {
    await upload.discard();
    throw error;
  }
  const resource = parseJsonObject(Buffer.concat(resourceBytes), 'the multipart metadata part');
  resourceBytes = [];
  await commit(service, ctx, upload, () => objectTarget(bucket, ctx.query.get('name'), resource, mediaType, preconditionsFrom(ctx.query)));
}

/** POST /upload/storage/v1/b/:bucket/o?uploadType=media&name=...: the body is the object. */
async function mediaUpload(service: GcsService, ctx: RequestContext, bucket: string): Promise<void> {
  const target = objectTarget(bucket, ctx.query.get('name'), {}, contentTypeOf(ctx), preconditionsFrom(ctx.query));
  await service.requireBucket(bucket);
  const upload = await service.beginUpload();
  try {
    await upload.writeAll(ctx.req);
  } catch (error) {
    await upload.discard();
    throw error;
  }
  await commit(service, ctx, upload, () => target);
}

async function commit(service: GcsService, ctx: RequestContext, upload: PendingUpload, target: () => ReturnType<typeof objectTarget>): Promise<void> {
  let resolved;
  try {
    resolved = target();
  } catch (error) {
    await upload.discard();
    throw error;
  }
  const record = await service.commitUpload(upload, resolved, parseGoogHash(header(ctx.req, 'x-goog-hash')));
  sendJson(ctx.res, 200, objectResource(record, ctx.baseUrl));
}

/** POST ...?uploadType=resumable: opens a session; its URI comes back in Location. */
async function startResumable(service: GcsService, sessions: ResumableSessions, ctx: RequestContext, bucket: string): Promise<void> {
  const resource = await readJsonObject(ctx.req, 'the object resource');
  const target = objectTarget(bucket, ctx.query.get('name'), resource, header(ctx.req, 'x-upload-content-type'), preconditionsFrom(ctx.query));
  const declared = header(ctx.req, 'x-upload-content-length');
  let declaredTotal: number | undefined;
  if (declared !== undefined && declared !== '') {
    declaredTotal = Number(declared);
    if (!Number.isInteger(declaredTotal) || declaredTotal < 0) throw badRequest(`X-Upload-Content-Length must be a whole number, not "${declared}"`);
  }
  const id = await sessions.create(target, declaredTotal);
  const location = new URL(`${ctx.baseUrl}/upload/storage/v1/b/${bucket}/o`);
  location.searchParams.set('uploadType', 'resumable');
  location.searchParams.set('name', target.name);
  location.searchParams.set('upload_id', id);
  sendEmpty(ctx.res, 200, { Location: location.toString(), 'X-GUploader-UploadID': id });
}

/** PUT (or POST) on a session URI: bytes or a status query. 308 + Range while incomplete. */
async function continueResumable(sessions: ResumableSessions, ctx: RequestContext, id: string): Promise<void> {
  const outcome = await sessions.put(id, header(ctx.req, 'content-range'), ctx.req, parseGoogHash(header(ctx.req, 'x-goog-hash')));
  if (outcome.done) {
    sendJson(ctx.res, 200, objectResource(outcome.record, ctx.baseUrl));
    return;
  }
  // No Location on a 308: HTTP clients would follow it as a redirect.
  sendEmpty(ctx.res, 308, outcome.received > 0 ? { Range: `bytes=0-${outcome.received - 1}` } : {});
}

/** Everything under /upload/storage/v1/b/:bucket/o */
export async function handleUpload(service: GcsService, sessions: ResumableSessions, ctx: RequestContext, bucket: string): Promise<void> {
  const method = ctx.req.method ?? 'GET';
  const id = ctx.query.get('upload_id');
  if (id) {
    if (method === 'PUT' || method === 'POST') return continueResumable(sessions, ctx, id);
    if (method === 'DELETE') {
      // GCS answers a cancelled session with 499.
      if (await sessions.cancel(id)) return sendEmpty(ctx.res, 499);
      throw new GcsHttpError(404, 'notFound', `No upload session ${id}`);
    }
    throw new GcsHttpError(405, 'methodNotAllowed', `${method} is not allowed on an upload session`);
  }
  if (method !== 'POST') throw new GcsHttpError(405, 'methodNotAllowed', `uploads start with POST, not ${method}`);
  const uploadType = ctx.query.get('uploadType');
  if (uploadType === 'multipart') return multipartUpload(service, ctx, bucket);
  if (uploadType === 'media') return mediaUpload(service, ctx, bucket);
  if (uploadType === 'resumable') return startResumable(service, sessions, ctx, bucket);
  throw badRequest(`uploadType must be multipart, media or resumable, not "${uploadType ?? ''}"`);
}
