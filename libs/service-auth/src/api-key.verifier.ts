import { createHash, timingSafeEqual } from 'node:crypto';
import type { Caller, CredentialVerifier } from './caller';

export interface ApiKeys {
  /** Shared service-to-service key, sent as `Authorization: Api-Key <key>`. */
  system?: string;
  /** Admin key, sent as `Authorization: Bearer <key>`. */
  admin?: string;
}

// Hashing first makes the comparison constant-time whatever the lengths.
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function parseAuthorization(header: string | undefined): { scheme: string; credential: string } | null {
  if (!header) return null;
  const match = /^\s*([A-Za-z-]+)\s+(\S+)\s*$/.exec(header);
  return match ? { scheme: match[1].toLowerCase(), credential: match[2] } : null;
}

/** Static keys: local runs and tests. */
export class ApiKeyVerifier implements CredentialVerifier {
  constructor(private readonly keys: ApiKeys) {}

  async verify(authorization: string | undefined): Promise<Caller | null> {
    const parsed = parseAuthorization(authorization);
    if (!parsed) return null;
    if (parsed.scheme === 'api-key' && this.keys.system && sameSecret(parsed.credential, this.keys.system)) {
      return { kind: 'system', subject: 'system-key' };
    }
    if (parsed.scheme === 'bearer' && this.keys.admin && sameSecret(parsed.credential, this.keys.admin)) {
      return { kind: 'admin', subject: 'admin-key' };
    }
    return null;
  }
}
