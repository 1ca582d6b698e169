import { Inject, Injectable } from '@nestjs/common';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { PG_POOL } from '../database/database.module';

export const SESSION_COOKIE = 'docingest_admin';
export const SESSION_MS = 12 * 60 * 60 * 1000;

/**
 * Admin sessions for browsers (which cannot send an Authorization header when following a link
 * to the queue dashboard). The cookie is a random id signed with the admin key, and the id lives
 * in the database until it expires or its owner signs out: signing out revokes it on the
 * server, and a new admin key invalidates every session. The key never goes into the cookie.
 */
@Injectable()
export class AdminSessions {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async issue(now = Date.now()): Promise<{ value: string; maxAgeMs: number }> {
    const id = randomBytes(24).toString('base64url');
    // Expired sessions are swept here rather than by a timer: sign-ins are rare.
    await this.pool.query('DELETE FROM admin_sessions WHERE expires_at < now()');
    await this.pool.query('INSERT INTO admin_sessions (id_hash, expires_at) VALUES ($1, $2)', [hashId(id), new Date(now + SESSION_MS)]);
    return { value: `${id}.${sign(this.config.ADMIN_API_KEY, id)}`, maxAgeMs: SESSION_MS };
  }

  async isValid(value: string | undefined): Promise<boolean> {
    const id = this.verifiedId(value);
    if (!id) return false;
    const { rowCount } = await this.pool.query('SELECT 1 FROM admin_sessions WHERE id_hash = $1 AND expires_at > now()', [hashId(id)]);
    return rowCount === 1;
  }

  /** Ends the session for good; an unknown or forged cookie revokes nothing. */
  async revoke(value: string | undefined): Promise<void> {
    const id = this.verifiedId(value);
    if (id) await this.pool.query('DELETE FROM admin_sessions WHERE id_hash = $1', [hashId(id)]);
  }

  /** The id of a cookie signed with the current admin key; the signature is checked before any query. */
  private verifiedId(value: string | undefined): string | undefined {
    const [id, signature, extra] = (value ?? '').split('.');
    if (!id || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(sign(this.config.ADMIN_API_KEY, id));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given) ? id : undefined;
  }
}

function sign(adminKey: string, id: string): string {
  return createHmac('sha256', adminKey).update(`admin-session:${id}`).digest('base64url');
}

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(rest.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
