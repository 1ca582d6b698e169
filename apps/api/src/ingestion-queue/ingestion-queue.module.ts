import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { IngestionServiceModule } from '../ingestion-service/ingestion-service.module';
import { IngestionsModule } from '../ingestions/ingestions.module';
import { KnowledgeBasesModule } from '../knowledge-bases/knowledge-bases.module';
import { INGESTION_QUEUE } from './ingestion-job';
import { IngestionProcessor } from './ingestion.processor';
import { IngestionProducer } from './ingestion.producer';
import { IngestionsService } from './ingestions.service';
import { PendingDispatches } from './pending-dispatches';
import { StaleSweeperScheduler } from './stale-sweeper.scheduler';

const queue = BullModule.registerQueue({ name: INGESTION_QUEUE });

/**
 * The Bull ingestion queue: attempts opened and queued (IngestionsService, IngestionProducer),
 * dispatched to the ingestion service with a bound on open requests (IngestionProcessor,
 * PendingDispatches), and swept when they stop moving (StaleSweeperScheduler). Its dashboard is
 * mounted by bull-board.ts. The connection itself (BullModule.forRoot) is the app's.
 */
@Module({
  imports: [queue, IngestionsModule, KnowledgeBasesModule, IngestionServiceModule],
  providers: [IngestionsService, IngestionProducer, IngestionProcessor, PendingDispatches, StaleSweeperScheduler],
  exports: [IngestionsService, queue],
})
export class IngestionQueueModule {}
