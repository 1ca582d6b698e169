import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parseByteRange } from './byte-range';
import { GcsHttpError } from './gcs-errors';
import { objectEtag } from './gcs-resources';
import type { GcsService } from './gcs-service';
import { header, sendJson, type RequestContext } from './http-context';
import type { ObjectRecord } from './object-store';
import { preconditionsFrom } from './preconditions';

/** Test hooks that make downloads misbehave; read on every request, so a test may flip them. */
export interface DownloadFaults {
  /** Flip one byte of every download body while keeping the stored hashes in x-goog-hash. */
  corruptDownloads: boolean;
}

/** Flips the first byte that passes through, so the body no longer matches its hashes. */
function corruptFirstByte(): Transform {
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (!done && chunk.length > 0) {
        const copy = Buffer.from(chunk);
        copy[0] ^= 0xff;
        done = true;
        callback(null, copy);
        return;
      }
      callback(null, chunk);
    },
  });
}

/**
 * A custom metadata value as a header carries it. GCS sends each custom key as `x-goog-meta-KEY`
 * with every download (Google's clients read them there); a value in UTF-8 goes out as its bytes,
 * and one with control characters, which no header can hold, percent-encoded (how GCS writes
 * those is not known: the service reads any value that is not plain ASCII from the metadata instead).
 */
function metadataHeaderValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what a header cannot hold
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) return encodeURIComponent(value);
  return Buffer.from(value, 'utf8').toString('latin1');
}

function objectHeaders(record: ObjectRecord): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': record.contentType,
    // Without these two the Node client skips its integrity check without saying so.
    'X-Goog-Hash': `crc32c=${record.crc32c},md5=${record.md5Hash}`,
    'X-Goog-Stored-Content-Encoding': record.contentEncoding ?? 'identity',
    'X-Goog-Stored-Content-Length': String(record.size),
    'X-Goog-Generation': record.generation,
    'X-Goog-Metageneration': record.metageneration,
    'X-Goog-Storage-Class': 'STANDARD',
    ETag: `"${objectEtag(record)}"`,
    'Last-Modified': new Date(record.updated).toUTCString(),
    'Cache-Control': record.cacheControl ?? 'private, max-age=0',
    'Accept-Ranges': 'bytes',
  };
  if (record.contentDisposition) headers['Content-Disposition'] = record.contentDisposition;
  if (record.contentLanguage) headers['Content-Language'] = record.contentLanguage;
  for (const [key, value] of Object.entries(record.metadata)) headers[`X-Goog-Meta-${key}`] = metadataHeaderValue(value);
  return headers;
}

/** GET .../o/:object?alt=media — the object's bytes, streamed, honouring Range. */
export async function downloadObject(service: GcsService, ctx: RequestContext, bucket: string, name: string, faults: DownloadFaults): Promise<void> {
  const opened = await service.openObject(bucket, name, ctx.query.get('generation'), preconditionsFrom(ctx.query));
  const { record } = opened;
  const headers = objectHeaders(record);
  let status = 200;
  let source: Readable;
  const stages: Transform[] = [];
  const storedGzip = record.contentEncoding === 'gzip';
  const acceptsGzip = /\bgzip\b/i.test(header(ctx.req, 'accept-encoding') ?? '');

  if (storedGzip && !acceptsGzip) {
    // Decompressive transcoding, as GCS does: whole object, unzipped, no length known up front.
    source = opened.read(0, record.size - 1);
    stages.push(createGunzip());
  } else {
    if (storedGzip) headers['Content-Encoding'] = 'gzip';
    const range = parseByteRange(header(ctx.req, 'range'), record.size);
    if (range.kind === 'unsatisfiable') {
      await opened.close();
      const error = new GcsHttpError(416, 'requestedRangeNotSatisfiable', `The requested range cannot be satisfied: the object has ${record.size} bytes`);
      sendJson(ctx.res, 416, error.toBody(), { 'Content-Range': `bytes */${record.size}` });
      return;
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : record.size - 1;
    if (range.kind === 'partial') {
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${record.size}`;
    }
    headers['Content-Length'] = String(end - start + 1);
    source = opened.read(start, end);
  }
  if (faults.corruptDownloads) stages.push(corruptFirstByte());

  ctx.res.writeHead(status, headers);
  try {
    await pipeline([source, ...stages, ctx.res]);
  } catch {
    // The client went away or the file vanished mid-read; the response is already cut short.
    source.destroy();
    ctx.res.destroy();
  }
}
