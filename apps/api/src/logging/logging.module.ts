import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger as Pino } from 'pino';
import { IngestionLog, ROOT_LOGGER } from './ingestion-log';

/** The loggers of lines that belong to an ingestion rather than a request, injectable everywhere. */
@Module({})
export class LoggingModule {
  static forRoot(root: Pino): DynamicModule {
    return {
      module: LoggingModule,
      global: true,
      providers: [{ provide: ROOT_LOGGER, useValue: root }, IngestionLog],
      exports: [IngestionLog],
    };
  }
}
