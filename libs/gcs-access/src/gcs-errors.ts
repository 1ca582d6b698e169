/** A file reference or object the service refuses to read, with the HTTP status it maps to. */
export class GcsAccessError extends Error {
  constructor(
    readonly code: 'invalid_path' | 'bucket_not_allowed' | 'not_found' | 'too_large' | 'empty' | 'download_failed' | 'integrity',
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'GcsAccessError';
  }
}
