import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bull';
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express from 'express';
import type { Queue } from 'bull';
import { adminUiDir } from '@docingest/admin-ui';
import { adminOnly } from '../auth/admin-only.middleware';
import { INGESTION_QUEUE } from '../queues/ingestion/ingestion-job';

/** The admin UI's static files at /admin and the Bull dashboard at /admin/queues, behind the admin credential. */
export function mountAdmin(app: INestApplication): void {
  const queue = app.get<Queue>(getQueueToken(INGESTION_QUEUE));
  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: [new BullAdapter(queue)], serverAdapter: board });
  const server = app.getHttpAdapter().getInstance() as express.Express;
  server.use('/admin/queues', adminOnly(app), board.getRouter());
  // The UI itself is public (it is only HTML and JS); everything it loads from the api is not.
  server.use('/admin', express.static(adminUiDir(), { index: 'index.html', maxAge: 0 }));
}
