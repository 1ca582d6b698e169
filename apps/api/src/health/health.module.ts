import { Module } from '@nestjs/common';
import { IngestionQueueModule } from '../ingestion-queue/ingestion-queue.module';
import { HealthController } from './health.controller';

/** Liveness, and readiness: the database and the queue's Redis answer. */
@Module({
  imports: [IngestionQueueModule],
  controllers: [HealthController],
})
export class HealthModule {}
