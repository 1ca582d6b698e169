import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import Busboy from 'busboy';
import type { Storage } from '@google-cloud/storage';
import { ApiError } from '../common/api-error';

export interface UploadedObject {
  uuid: string;
  fileName: string;
  storagePath: string;
  contentType: string;
  size: number;
  fields: Record<string, string>;
}

// eslint-disable-next-line no-control-regex -- control characters are what is replaced
const SEPARATORS_AND_CONTROLS = /[\u0000-\u001f\u007f/\\]+/g;

/** A name safe as the last part of an object key: no separators, no control characters. */
export function safeObjectName(name: string): string {
  const cleaned = name.normalize('NFC').replace(SEPARATORS_AND_CONTROLS, '_').replace(/^\.+/, '_').trim();
  return (cleaned || 'file').slice(0, 150);
}

/** uploads/<user>/<yyyy>/<mm>/<dd>/<uuid>-<name>: per user and day, never colliding. */
export function uploadKey(userUuid: string | undefined, uuid: string, fileName: string, now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '/');
  const user = (userUuid || 'anonymous').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return `uploads/${user}/${day}/${uuid}-${safeObjectName(fileName)}`;
}

/**
 * Streams one multipart file straight into the bucket (never whole in memory, never on disk).
 * Fields sent before the file part choose its key; an oversized upload is deleted and refused.
 */
export function uploadToBucket(request: Request, storage: Storage, bucket: string, maxBytes: number): Promise<UploadedObject> {
  return new Promise((resolve, reject) => {
    let busboy: Busboy.Busboy;
    try {
      busboy = Busboy({ headers: request.headers, limits: { files: 1, fileSize: maxBytes, fields: 20 } });
    } catch {
      reject(new ApiError(400, 'send the file as multipart/form-data with a "file" part', { code: 'invalid_upload' }));
      return;
    }
    const fields: Record<string, string> = {};
    let upload: Promise<UploadedObject> | null = null;
    busboy.on('field', (name, value) => (fields[name] = value));
    busboy.on('file', (name, stream, info) => {
      if (name !== 'file') {
        stream.resume();
        return;
      }
      const uuid = randomUUID();
      const fileName = info.filename || 'file';
      const key = uploadKey(fields.user_uuid, uuid, fileName);
      const object = storage.bucket(bucket).file(key);
      const contentType = info.mimeType || 'application/octet-stream';
      let size = 0;
      let tooLarge = false;
      stream.on('data', (chunk: Buffer) => (size += chunk.length));
      stream.on('limit', () => (tooLarge = true));
      upload = pipeline(stream, object.createWriteStream({ resumable: false, contentType, metadata: { metadata: { originalName: fileName } } })).then(
        async () => {
          if (tooLarge) {
            await object.delete({ ignoreNotFound: true }).catch(() => undefined);
            throw new ApiError(413, `the file is larger than the limit of ${maxBytes} bytes`, { code: 'file_too_large' });
          }
          return { uuid, fileName, storagePath: `gs://${bucket}/${key}`, contentType, size, fields };
        },
        (error: Error) => {
          throw new ApiError(502, `could not store the file in the bucket: ${error.message}`, { code: 'storage_failed' });
        },
      );
    });
    busboy.on('error', (error: Error) => reject(new ApiError(400, `malformed upload: ${error.message}`, { code: 'invalid_upload' })));
    busboy.on('close', () => {
      if (!upload) reject(new ApiError(400, 'the upload has no "file" part', { code: 'invalid_upload', field: 'file' }));
      else upload.then(resolve, reject);
    });
    request.pipe(busboy);
  });
}
