import { GcsAccessError } from './gcs-errors';
import { resolveObject } from './resolve-object';

const options = { defaultBucket: 'docs', allowedBuckets: ['docs', 'archive'] };

describe('resolveObject', () => {
  it('reads gs://bucket/key and bare keys in the default bucket', () => {
    expect(resolveObject('gs://docs/u/2026/report.pdf', options)).toEqual({ bucket: 'docs', key: 'u/2026/report.pdf' });
    expect(resolveObject('gs://archive/a b (1).pdf', options)).toEqual({ bucket: 'archive', key: 'a b (1).pdf' });
    expect(resolveObject('u/notes.md', options)).toEqual({ bucket: 'docs', key: 'u/notes.md' });
  });

  it.each([
    ['http://evil.example/x.pdf', /gs:\/\/bucket\/key/],
    ['https://storage.googleapis.com/docs/x.pdf', /not a https: address/],
    ['file:///etc/passwd', /not a file: address/],
    ['GS://docs/x', /gs:\/\/bucket\/key/],
    ['gs://docs/', /gs:\/\/bucket\/key/],
    ['gs:///x.pdf', /gs:\/\/bucket\/key/],
    ['gs://docs/../secrets/x', /"\.\."/],
    ['gs://docs/a/./b', /"\."/],
    ['../etc/passwd', /"\.\."/],
    ['gs://docs/a%2F..%2Fb', /encoded/],
    ['gs://docs/a%2e%2e/b', /encoded/],
    ['gs://docs/a\\..\\b', /backslash/],
    ['gs://docs//x', /start with \//],
    ['gs://docs/a//b', /empty/],
    ['/etc/passwd', /start with \//],
    ['gs://docs/x\u0000.pdf', /control/],
    [`gs://docs/${'a'.repeat(1100)}`, /longer than 1024/],
    ['gs://Docs_Evil!/x', /not a valid bucket/],
  ])('refuses %j with a 400', (path, message) => {
    let error: unknown;
    try {
      resolveObject(path, options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GcsAccessError);
    expect((error as GcsAccessError).statusCode).toBe(400);
    expect((error as GcsAccessError).message).toMatch(message);
  });

  it('refuses a bucket that is not allowed, naming it', () => {
    expect(() => resolveObject('gs://other-bucket/x.pdf', options)).toThrow("bucket 'other-bucket' is not one this service may read");
  });

  it('allows only the default bucket when no list is given, and needs a bucket for bare keys', () => {
    expect(() => resolveObject('gs://archive/x', { defaultBucket: 'docs', allowedBuckets: [] })).toThrow(/not one this service may read/);
    expect(() => resolveObject('x.pdf', { allowedBuckets: ['docs'] })).toThrow(/no default bucket/);
  });
});
