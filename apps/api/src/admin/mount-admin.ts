import type { INestApplication } from '@nestjs/common';
import express from 'express';
import { adminUiDir } from '@docingest/admin-ui';
import { mountQueueBoard } from '../ingestion-queue/bull-board';

/** The admin UI's static files at /admin and the Bull dashboard at /admin/queues, behind the admin credential. */
export function mountAdmin(app: INestApplication): void {
  mountQueueBoard(app);
  const server = app.getHttpAdapter().getInstance() as express.Express;
  // The UI itself is public (it is only HTML and JS); everything it loads from the api is not.
  server.use('/admin', express.static(adminUiDir(), { index: 'index.html', maxAge: 0 }));
}
