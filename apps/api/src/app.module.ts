import { LoggerModule, type Params } from 'nestjs-pino';
import { BullModule } from '@nestjs/bull';
import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger as Pino } from 'pino';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { apiLoggerParams, apiRootLogger } from './logging/cloud-logger';
import { LoggingModule } from './logging/logging.module';
import { ErrorBodyFilter } from './common/error-body.filter';
import { ApiConfigModule } from './config/config.module';
import type { ApiConfig } from './config/api-config';
import { DatabaseModule } from './database/database.module';
import { FilesModule } from './files/files.module';
import { HealthModule } from './health/health.module';
import { ImportsModule } from './imports/imports.module';
import { queuePrefix } from './ingestion-queue/ingestion-job';
import { IngestionQueueModule } from './ingestion-queue/ingestion-queue.module';
import { IngestionsModule } from './ingestions/ingestions.module';
import { KnowledgeBasesModule } from './knowledge-bases/knowledge-bases.module';

/**
 * The api: the infrastructure (configuration, database, Redis for Bull, logging, error bodies)
 * and the feature modules. docs/architecture.md#the-apis-module-order says which may use which.
 */
@Module({})
export class AppModule {
  static forConfig(config: ApiConfig, installationId: string, loggerParams: Params = apiLoggerParams(config)): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ApiConfigModule.forRoot(config),
        DatabaseModule,
        BullModule.forRoot({ url: config.REDIS_URL, prefix: queuePrefix(installationId) }),
        // Request-scoped loggers (the request's trace on every line) and the request log.
        LoggerModule.forRoot(loggerParams),
        // The same root logger, for the lines about one ingestion (docs/wire-contract.md#trace).
        LoggingModule.forRoot((loggerParams.pinoHttp as { logger?: Pino } | undefined)?.logger ?? apiRootLogger(config)),
        AuthModule,
        KnowledgeBasesModule,
        IngestionsModule,
        IngestionQueueModule,
        FilesModule,
        ImportsModule,
        HealthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ErrorBodyFilter }],
    };
  }
}
