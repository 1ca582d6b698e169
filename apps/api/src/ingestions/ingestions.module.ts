import { Module } from '@nestjs/common';
import { IngestionServiceModule } from '../ingestion-service/ingestion-service.module';
import { KnowledgeBasesModule } from '../knowledge-bases/knowledge-bases.module';
import { IngestionEventsController } from './ingestion-events.controller';
import { IngestionsController } from './ingestions.controller';
import { KnowledgeBaseFilesController } from './knowledge-base-files.controller';
import { KnowledgeBaseFiles } from './knowledge-base-files.service';
import { LinkEvents } from './link-events';
import { LinksRepository } from './links.repository';

/** Links (a file in a knowledge base) and their ingestion state: the progress callback, polling, the event stream, removal. */
@Module({
  imports: [KnowledgeBasesModule, IngestionServiceModule],
  controllers: [IngestionsController, IngestionEventsController, KnowledgeBaseFilesController],
  providers: [LinksRepository, LinkEvents, KnowledgeBaseFiles],
  exports: [LinksRepository],
})
export class IngestionsModule {}
