import { createHash, type Hash } from 'node:crypto';
import { crc32cBase64, crc32cUpdate } from './crc32c';

export interface ContentHashes {
  /** base64 of the big-endian CRC-32C */
  crc32c: string;
  /** base64 of the MD5 digest */
  md5Hash: string;
}

/** Hashes an object's bytes as they stream in, possibly across several requests (resumable uploads). */
export class ContentHasher {
  private crc = 0;
  private readonly md5: Hash = createHash('md5');
  private result: ContentHashes | undefined;

  update(chunk: Uint8Array): void {
    if (this.result) throw new Error('ContentHasher.update after digest');
    this.crc = crc32cUpdate(this.crc, chunk);
    this.md5.update(chunk);
  }

  digest(): ContentHashes {
    this.result ??= { crc32c: crc32cBase64(this.crc), md5Hash: this.md5.digest('base64') };
    return this.result;
  }
}

/** Reads `crc32c=...,md5=...` (the X-Goog-Hash header form). */
export function parseGoogHash(header: string | undefined): Partial<ContentHashes> {
  const out: Partial<ContentHashes> = {};
  for (const pair of (header ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at < 0) continue;
    const kind = pair.slice(0, at).trim().toLowerCase();
    const value = pair.slice(at + 1).trim();
    if (kind === 'crc32c') out.crc32c = value;
    if (kind === 'md5') out.md5Hash = value;
  }
  return out;
}
