import { badRequest } from './gcs-errors';
import { objectResource } from './gcs-resources';
import type { GcsService, ObjectPatch } from './gcs-service';
import { sendEmpty, sendJson, type RequestContext } from './http-context';
import { DEFAULT_MAX_RESULTS } from './list-objects';
import { preconditionsFrom } from './preconditions';
import { readJsonObject } from './request-body';

/** GET /storage/v1/b/:bucket/o/:object (without alt=media) */
export async function getObjectMetadata(service: GcsService, ctx: RequestContext, bucket: string, name: string): Promise<void> {
  const record = await service.getObject(bucket, name, ctx.query.get('generation'), preconditionsFrom(ctx.query));
  sendJson(ctx.res, 200, objectResource(record, ctx.baseUrl));
}

/** PATCH (or PUT) /storage/v1/b/:bucket/o/:object with the fields to change. */
export async function patchObjectMetadata(service: GcsService, ctx: RequestContext, bucket: string, name: string): Promise<void> {
  const body = await readJsonObject(ctx.req, 'the object patch');
  const patch: ObjectPatch = {};
  if (typeof body.contentType === 'string') patch.contentType = body.contentType;
  for (const field of ['contentEncoding', 'contentDisposition', 'contentLanguage', 'cacheControl'] as const) {
    const value = body[field];
    if (value === null || typeof value === 'string') patch[field] = value;
  }
  if (body.metadata === null) patch.metadata = null;
  else if (body.metadata !== undefined) {
    if (typeof body.metadata !== 'object' || Array.isArray(body.metadata)) throw badRequest('"metadata" must be an object');
    patch.metadata = Object.fromEntries(
      Object.entries(body.metadata as Record<string, unknown>).map(([k, v]) => [k, v === null ? null : typeof v === 'string' ? v : JSON.stringify(v)]),
    );
  }
  const record = await service.patchObject(bucket, name, patch, preconditionsFrom(ctx.query));
  sendJson(ctx.res, 200, objectResource(record, ctx.baseUrl));
}

export async function deleteObject(service: GcsService, ctx: RequestContext, bucket: string, name: string): Promise<void> {
  await service.deleteObject(bucket, name, preconditionsFrom(ctx.query));
  sendEmpty(ctx.res, 204);
}

function maxResults(value: string | null): number {
  if (value === null || value === '') return DEFAULT_MAX_RESULTS;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw badRequest(`maxResults must be a positive whole number, not "${value}"`);
  return Math.min(parsed, DEFAULT_MAX_RESULTS);
}

/** GET /storage/v1/b/:bucket/o?prefix=&delimiter=&maxResults=&pageToken=&startOffset=&endOffset= */
export async function listObjects(service: GcsService, ctx: RequestContext, bucket: string): Promise<void> {
  const q = ctx.query;
  const page = await service.listObjects(bucket, {
    prefix: q.get('prefix') ?? '',
    delimiter: q.get('delimiter') ?? '',
    maxResults: maxResults(q.get('maxResults')),
    pageToken: q.get('pageToken') || undefined,
    startOffset: q.get('startOffset') || undefined,
    endOffset: q.get('endOffset') || undefined,
  });
  const body: Record<string, unknown> = { kind: 'storage#objects', items: page.items.map((r) => objectResource(r, ctx.baseUrl)) };
  if (page.prefixes.length > 0) body.prefixes = page.prefixes;
  if (page.nextPageToken) body.nextPageToken = page.nextPageToken;
  sendJson(ctx.res, 200, body);
}
