import { CRC32C } from '@google-cloud/storage';
import { randomBytes } from 'node:crypto';
import { parseGoogHash, ContentHasher } from './content-hasher';
import { crc32cBase64, crc32cUpdate } from './crc32c';

describe('crc32c', () => {
  it('matches the published check value and the empty input', () => {
    expect(crc32cUpdate(0, Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cUpdate(0, Buffer.alloc(0))).toBe(0);
    expect(crc32cBase64(0xe3069283)).toBe(Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString('base64'));
  });

  it('gives the same value fed in pieces as at once, and agrees with the client library', () => {
    const data = randomBytes(100_003);
    let pieces = 0;
    for (let at = 0; at < data.length; at += 7919) pieces = crc32cUpdate(pieces, data.subarray(at, at + 7919));
    expect(pieces).toBe(crc32cUpdate(0, data));
    const client = new CRC32C();
    client.update(data);
    expect(crc32cBase64(pieces)).toBe(client.toString());
  });
});

describe('ContentHasher and X-Goog-Hash', () => {
  it('hashes md5 and crc32c together', () => {
    const hasher = new ContentHasher();
    hasher.update(Buffer.from('hello '));
    hasher.update(Buffer.from('world'));
    expect(hasher.digest()).toEqual({ md5Hash: 'XrY7u+Ae7tCTyyK7j1rNww==', crc32c: crc32cBase64(crc32cUpdate(0, Buffer.from('hello world'))) });
  });

  it('reads crc32c=..,md5=.. pairs, values containing "="', () => {
    expect(parseGoogHash('crc32c=n03x6A==, md5=XrY7u+Ae7tCTyyK7j1rNww==')).toEqual({ crc32c: 'n03x6A==', md5Hash: 'XrY7u+Ae7tCTyyK7j1rNww==' });
    expect(parseGoogHash(undefined)).toEqual({});
  });
});
