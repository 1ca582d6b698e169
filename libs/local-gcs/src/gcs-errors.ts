/** An error the server answers with, in GCS's JSON error shape. Thrown by handlers, rendered in one place. */
export class GcsHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'GcsHttpError';
  }

  toBody(): { error: { code: number; message: string; errors: { domain: string; reason: string; message: string }[] } } {
    return { error: { code: this.status, message: this.message, errors: [{ domain: 'global', reason: this.reason, message: this.message }] } };
  }
}

export const badRequest = (message: string) => new GcsHttpError(400, 'invalid', message);
export const notFound = (message: string) => new GcsHttpError(404, 'notFound', message);
export const conflict = (message: string) => new GcsHttpError(409, 'conflict', message);
export const preconditionFailed = (message: string) => new GcsHttpError(412, 'conditionNotMet', message);

export function noSuchBucket(bucket: string): GcsHttpError {
  return notFound(`The specified bucket does not exist: ${bucket}`);
}

export function noSuchObject(bucket: string, name: string): GcsHttpError {
  return notFound(`No such object: ${bucket}/${name}`);
}
