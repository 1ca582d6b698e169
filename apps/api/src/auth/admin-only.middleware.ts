import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { AuthError, type CredentialVerifier } from '@docingest/service-auth';
import { AdminSessions } from './admin-session';
import { CREDENTIAL_VERIFIER, isAllowed } from './auth.guard';

/**
 * The admin credential (header or session cookie) for what is mounted on Express directly, outside
 * Nest's routing and so outside its guard: the queue dashboard and the API docs.
 */
export function adminOnly(app: INestApplication): RequestHandler {
  const sessions = app.get(AdminSessions);
  const verifier = app.get<CredentialVerifier>(CREDENTIAL_VERIFIER);
  return (request: Request, response: Response, next: NextFunction) => {
    isAllowed(request, 'admin', verifier, sessions).then(
      () => next(),
      (error: unknown) => {
        const status = error instanceof AuthError ? error.statusCode : 401;
        const reason = error instanceof AuthError ? error.message : 'invalid credentials';
        response.status(status).json({ statusCode: status, error: STATUS_CODES[status], message: `${reason}; sign in at /admin first` });
      },
    );
  };
}
