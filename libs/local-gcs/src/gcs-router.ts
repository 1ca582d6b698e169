import type { IncomingMessage, ServerResponse } from 'node:http';
import * as buckets from './bucket-routes';
import { downloadObject, type DownloadFaults } from './download-route';
import { badRequest, GcsHttpError, notFound } from './gcs-errors';
import type { GcsService } from './gcs-service';
import { sendJson, type RequestContext } from './http-context';
import * as objects from './object-routes';
import type { ResumableSessions } from './resumable-sessions';
import { handleUpload } from './upload-routes';

// The JSON API prefix is optional: with STORAGE_EMULATOR_HOST set the Node client drops it.
const UPLOAD = /^\/upload\/storage\/v1\/b\/([^/]+)\/o\/?$/;
const BUCKETS = /^(?:\/storage\/v1)?\/b\/?$/;
const BUCKET = /^(?:\/storage\/v1)?\/b\/([^/]+)\/?$/;
const OBJECTS = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/?$/;
const OBJECT = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/(.+)$/;

function decode(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`the ${what} in the path is not valid percent-encoding`);
  }
}

function methodNotAllowed(method: string, path: string): GcsHttpError {
  return new GcsHttpError(405, 'methodNotAllowed', `${method} is not supported on ${path}`);
}

export interface RouterDeps {
  service: GcsService;
  sessions: ResumableSessions;
  faults: DownloadFaults;
}

async function route(deps: RouterDeps, ctx: RequestContext, path: string): Promise<void> {
  const { service, sessions, faults } = deps;
  const method = ctx.req.method ?? 'GET';
  let m: RegExpExecArray | null;

  if ((m = UPLOAD.exec(path))) return handleUpload(service, sessions, ctx, decode(m[1], 'bucket'));
  // The media download form: /download/storage/v1/b/:bucket/o/:object?alt=media
  const isDownloadPath = path.startsWith('/download/');
  if (isDownloadPath) path = path.slice('/download'.length);

  if (BUCKETS.test(path)) {
    if (method === 'POST') return buckets.createBucket(service, ctx);
    if (method === 'GET') return buckets.listBuckets(service, ctx);
    throw methodNotAllowed(method, path);
  }
  if ((m = BUCKET.exec(path))) {
    const bucket = decode(m[1], 'bucket');
    if (method === 'GET') return buckets.getBucket(service, ctx, bucket);
    if (method === 'DELETE') return buckets.deleteBucket(service, ctx, bucket);
    throw methodNotAllowed(method, path);
  }
  if ((m = OBJECTS.exec(path))) {
    if (method === 'GET') return objects.listObjects(service, ctx, decode(m[1], 'bucket'));
    throw methodNotAllowed(method, path);
  }
  if ((m = OBJECT.exec(path))) {
    const bucket = decode(m[1], 'bucket');
    const name = decode(m[2], 'object name');
    if (method === 'GET') {
      if (isDownloadPath || ctx.query.get('alt') === 'media') return downloadObject(service, ctx, bucket, name, faults);
      return objects.getObjectMetadata(service, ctx, bucket, name);
    }
    if (method === 'PATCH' || method === 'PUT') return objects.patchObjectMetadata(service, ctx, bucket, name);
    if (method === 'DELETE') return objects.deleteObject(service, ctx, bucket, name);
    throw methodNotAllowed(method, path);
  }
  throw notFound(`Not Found: ${method} ${path} is not part of the API this server speaks`);
}

/** Handles one request; every failure becomes a GCS-shaped JSON error. */
export async function handleRequest(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = req.url ?? '/';
  const queryAt = raw.indexOf('?');
  // The raw path, not URL.pathname: that would resolve "." and ".." segments inside object names.
  const path = queryAt < 0 ? raw : raw.slice(0, queryAt);
  const ctx: RequestContext = {
    req,
    res,
    query: new URLSearchParams(queryAt < 0 ? '' : raw.slice(queryAt + 1)),
    baseUrl: `http://${req.headers.host ?? 'localhost'}`,
  };
  try {
    await route(deps, ctx, path);
  } catch (error) {
    const known = error instanceof GcsHttpError ? error : new GcsHttpError(500, 'backendError', `local-gcs failed: ${(error as Error).message ?? String(error)}`);
    if (res.headersSent) {
      res.destroy();
    } else {
      sendJson(res, known.status, known.toBody());
    }
  } finally {
    // An error may have left the request body unread; drain it so the connection stays usable.
    if (!req.complete) req.resume();
  }
}
