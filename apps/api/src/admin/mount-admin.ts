import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bull';
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Queue } from 'bull';
import { adminUiDir } from '@docingest/admin-ui';
import type { CredentialVerifier } from '@docingest/service-auth';
import { AuthError } from '@docingest/service-auth';
import { CREDENTIAL_VERIFIER, isAllowed } from '../auth/auth.guard';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { INGESTION_QUEUE } from '../queues/ingestion/ingestion-job';

/** The admin UI's static files at /admin and the Bull dashboard at /admin/queues, behind the admin credential. */
export function mountAdmin(app: INestApplication): void {
  const config = app.get<ApiConfig>(API_CONFIG);
  const verifier = app.get<CredentialVerifier>(CREDENTIAL_VERIFIER);
  const queue = app.get<Queue>(getQueueToken(INGESTION_QUEUE));

  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: [new BullAdapter(queue)], serverAdapter: board });
  const adminOnly = (request: Request, response: Response, next: NextFunction) => {
    isAllowed(request, 'admin', verifier, config).then(
      () => next(),
      (error: unknown) => {
        const status = error instanceof AuthError ? error.statusCode : 401;
        response.status(status).json({ statusCode: status, error: 'Unauthorized', message: 'sign in at /admin first' });
      },
    );
  };
  const server = app.getHttpAdapter().getInstance() as express.Express;
  server.use('/admin/queues', adminOnly, board.getRouter());
  // The UI itself is public (it is only HTML and JS); everything it loads from the api is not.
  server.use('/admin', express.static(adminUiDir(), { index: 'index.html', maxAge: 0 }));
}
