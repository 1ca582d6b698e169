import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { IngestionQueueModule } from '../ingestion-queue/ingestion-queue.module';
import { IngestionsModule } from '../ingestions/ingestions.module';
import { KnowledgeBasesModule } from '../knowledge-bases/knowledge-bases.module';
import { IMPORTS_QUEUE } from './import-job';
import { ImportPagesProcessor } from './import-pages.processor';
import { ImportsController } from './imports.controller';
import { ImportsRepository } from './imports.repository';
import { ImportsService } from './imports.service';

/** Imports from a gs:// prefix: the resource, its listing queue, its results. */
@Module({
  imports: [BullModule.registerQueue({ name: IMPORTS_QUEUE }), FilesModule, KnowledgeBasesModule, IngestionsModule, IngestionQueueModule],
  controllers: [ImportsController],
  providers: [ImportsRepository, ImportsService, ImportPagesProcessor],
})
export class ImportsModule {}
