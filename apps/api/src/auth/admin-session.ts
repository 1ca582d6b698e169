import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'docingest_admin';
const SESSION_MS = 12 * 60 * 60 * 1000;

/**
 * A signed, expiring admin session for browsers (which cannot send an Authorization header when
 * following a link to the queue dashboard). The admin key itself never goes into the cookie.
 */
export function issueSession(adminKey: string, now = Date.now()): { value: string; maxAgeMs: number } {
  const expires = now + SESSION_MS;
  return { value: `${expires}.${sign(adminKey, expires)}`, maxAgeMs: SESSION_MS };
}

export function sessionIsValid(adminKey: string, value: string | undefined, now = Date.now()): boolean {
  if (!value) return false;
  const [expiresText, signature] = value.split('.');
  const expires = Number(expiresText);
  if (!Number.isFinite(expires) || expires < now || !signature) return false;
  const expected = Buffer.from(sign(adminKey, expires));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function sign(adminKey: string, expires: number): string {
  return createHmac('sha256', adminKey).update(`admin-session:${expires}`).digest('base64url');
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}
