import { GcsHttpError } from './gcs-errors';
import { parseUploadContentRange } from './upload-content-range';

describe('parseUploadContentRange', () => {
  it.each([
    ['bytes */*', { kind: 'query', total: undefined }],
    ['bytes */42', { kind: 'query', total: 42 }],
    ['bytes 0-262143/*', { kind: 'bytes', start: 0, end: 262143, total: undefined }],
    ['bytes 262144-300000/300001', { kind: 'bytes', start: 262144, end: 300000, total: 300001 }],
    ['bytes 0-*/*', { kind: 'bytes', start: 0, end: undefined, total: undefined }],
    ['bytes 0--1/0', { kind: 'bytes', start: 0, end: -1, total: 0 }],
    [undefined, { kind: 'bytes', start: 0, end: undefined, total: undefined }],
  ] as const)('%s', (header, expected) => {
    expect(parseUploadContentRange(header)).toEqual(expected);
  });

  it.each(['bytes=0-5/6', 'bytes 5-2/10', 'bytes 0-10/10', 'rubbish'])('refuses %j with a 400', (header) => {
    expect(() => parseUploadContentRange(header)).toThrow(GcsHttpError);
    try {
      parseUploadContentRange(header);
    } catch (error) {
      expect((error as GcsHttpError).status).toBe(400);
    }
  });
});
