import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bull';
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Express } from 'express';
import type { Queue } from 'bull';
import { adminOnly } from '../auth/admin-only.middleware';
import { INGESTION_QUEUE } from './ingestion-job';

/** The Bull dashboard of the ingestion queue at /admin/queues, behind the admin credential. */
export function mountQueueBoard(app: INestApplication): void {
  const queue = app.get<Queue>(getQueueToken(INGESTION_QUEUE));
  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: [new BullAdapter(queue)], serverAdapter: board });
  const server = app.getHttpAdapter().getInstance() as Express;
  server.use('/admin/queues', adminOnly(app), board.getRouter());
}
