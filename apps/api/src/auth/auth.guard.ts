import { Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { requireCaller, type CallerKind, type CredentialVerifier } from '@docingest/service-auth';
import { AdminSessions, SESSION_COOKIE, readCookie } from './admin-session';

export const CREDENTIAL_VERIFIER = Symbol('CREDENTIAL_VERIFIER');
const CALLER_KIND = 'caller-kind';

/** Marks a route as open to anyone (health checks) or to the system credential only. */
export const Public = () => SetMetadata(CALLER_KIND, 'public');
export const SystemOnly = () => SetMetadata(CALLER_KIND, 'system');

/** Every route needs the admin credential unless it says otherwise: nothing is open by accident. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(CREDENTIAL_VERIFIER) private readonly verifier: CredentialVerifier,
    private readonly sessions: AdminSessions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.getAllAndOverride<CallerKind | 'public'>(CALLER_KIND, [context.getHandler(), context.getClass()]) ?? 'admin';
    if (kind === 'public') return true;
    const request = context.switchToHttp().getRequest<Request>();
    return isAllowed(request, kind, this.verifier, this.sessions);
  }
}

/** Shared with the queue dashboard's middleware, which lives outside Nest's routing. */
export async function isAllowed(request: Request, kind: CallerKind, verifier: CredentialVerifier, sessions: AdminSessions): Promise<true> {
  if (kind === 'admin' && !request.headers.authorization && (await sessions.isValid(readCookie(request.headers.cookie, SESSION_COOKIE)))) {
    return true;
  }
  await requireCaller(verifier, request.headers.authorization, kind);
  return true;
}
