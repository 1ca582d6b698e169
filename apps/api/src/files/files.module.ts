import { Module } from '@nestjs/common';
import { Storage } from '@google-cloud/storage';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { IngestionQueueModule } from '../ingestion-queue/ingestion-queue.module';
import { IngestionsModule } from '../ingestions/ingestions.module';
import { KnowledgeBasesModule } from '../knowledge-bases/knowledge-bases.module';
import { FilesController } from './files.controller';
import { FilesRepository } from './files.repository';
import { FilesService, STORAGE } from './files.service';

@Module({
  imports: [KnowledgeBasesModule, IngestionsModule, IngestionQueueModule],
  controllers: [FilesController],
  providers: [
    {
      provide: STORAGE,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) =>
        new Storage({
          projectId: config.GCS_PROJECT_ID || undefined,
          ...(config.GCS_API_ENDPOINT ? { apiEndpoint: config.GCS_API_ENDPOINT, useAuthWithCustomEndpoint: false } : {}),
        }),
    },
    FilesRepository,
    FilesService,
  ],
  exports: [STORAGE],
})
export class FilesModule {}
