import { badRequest } from './gcs-errors';
import { bucketResource } from './gcs-resources';
import type { GcsService } from './gcs-service';
import { sendEmpty, sendJson, type RequestContext } from './http-context';
import { readJsonObject } from './request-body';

/** POST /storage/v1/b?project=...  body: {name, ...} */
export async function createBucket(service: GcsService, ctx: RequestContext): Promise<void> {
  const body = await readJsonObject(ctx.req, 'the bucket resource');
  const name = body.name;
  if (typeof name !== 'string' || !name) throw badRequest('the bucket resource needs a "name"');
  sendJson(ctx.res, 200, bucketResource(await service.createBucket(name), ctx.baseUrl));
}

export async function getBucket(service: GcsService, ctx: RequestContext, bucket: string): Promise<void> {
  sendJson(ctx.res, 200, bucketResource(await service.requireBucket(bucket), ctx.baseUrl));
}

export async function listBuckets(service: GcsService, ctx: RequestContext): Promise<void> {
  const buckets = await service.listBuckets();
  sendJson(ctx.res, 200, { kind: 'storage#buckets', items: buckets.map((b) => bucketResource(b, ctx.baseUrl)) });
}

export async function deleteBucket(service: GcsService, ctx: RequestContext, bucket: string): Promise<void> {
  await service.deleteBucket(bucket);
  sendEmpty(ctx.res, 204);
}
