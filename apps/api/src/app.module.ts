import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule, type Params } from 'nestjs-pino';
import { BullModule } from '@nestjs/bull';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { Storage } from '@google-cloud/storage';
import { ApiKeyVerifier, CompositeVerifier, GoogleIdTokenVerifier, apiKeyAuth, googleIdTokenAuth } from '@docingest/service-auth';
import { AuthGuard, CREDENTIAL_VERIFIER } from './auth/auth.guard';
import { AdminSessions } from './auth/admin-session';
import { apiLoggerParams } from './logging/cloud-logger';
import { SessionController } from './auth/session.controller';
import { ErrorBodyFilter } from './common/error-body.filter';
import { API_CONFIG, type ApiConfig } from './config/api-config';
import { DatabaseModule } from './database/database.module';
import { FilesController, STORAGE } from './files/files.controller';
import { FilesRepository } from './files/files.repository';
import { HealthController } from './health/health.controller';
import { IngestionServiceClient, OUTBOUND_AUTH } from './ingestion-service/ingestion-service.client';
import { IngestionsController } from './ingestions/ingestions.controller';
import { IngestionsService } from './ingestions/ingestions.service';
import { LinksRepository } from './ingestions/links.repository';
import { KnowledgeBasesController } from './knowledge-bases/knowledge-bases.controller';
import { KnowledgeBasesRepository } from './knowledge-bases/knowledge-bases.repository';
import { INGESTION_QUEUE, queuePrefix } from './queues/ingestion/ingestion-job';
import { IngestionProcessor } from './queues/ingestion/ingestion.processor';
import { IngestionProducer } from './queues/ingestion/ingestion.producer';
import { PendingDispatches } from './queues/ingestion/pending-dispatches';
import { StaleSweeperScheduler } from './queues/ingestion/stale-sweeper.scheduler';

/** The api: REST, the update-progress callback, polling, and the Bull ingestion queue. */
@Module({})
export class AppModule {
  static forConfig(config: ApiConfig, installationId: string, loggerParams: Params = apiLoggerParams(config)): DynamicModule {
    const oidc = config.AUTH_MODE === 'oidc';
    return {
      module: AppModule,
      global: true,
      imports: [
        BullModule.forRoot({ url: config.REDIS_URL, prefix: queuePrefix(installationId) }),
        BullModule.registerQueue({ name: INGESTION_QUEUE }),
        DatabaseModule,
        // Request-scoped loggers (the request's trace on every line) and the request log.
        LoggerModule.forRoot(loggerParams),
        // Used by the sign-in route only (SignInThrottle), not as a global guard.
        ThrottlerModule.forRoot({ throttlers: [{ name: 'sign-in', ttl: 60_000, limit: config.SIGN_IN_ATTEMPTS_PER_MINUTE }] }),
      ],
      controllers: [SessionController, KnowledgeBasesController, FilesController, IngestionsController, HealthController],
      providers: [
        // A plain copy: envalid's proxy throws on unknown keys, and Nest probes providers for lifecycle hooks.
        { provide: API_CONFIG, useValue: { ...config } },
        {
          provide: CREDENTIAL_VERIFIER,
          useFactory: () =>
            new CompositeVerifier([
              new ApiKeyVerifier({ admin: config.ADMIN_API_KEY, system: oidc ? undefined : config.SYSTEM_API_KEY }),
              ...(oidc ? [new GoogleIdTokenVerifier({ audience: config.OIDC_AUDIENCE, allowedServiceAccounts: config.OIDC_ALLOWED_CALLERS })] : []),
            ]),
        },
        { provide: OUTBOUND_AUTH, useFactory: () => (oidc ? googleIdTokenAuth(config.INGESTION_SERVICE_URL) : apiKeyAuth(config.SYSTEM_API_KEY)) },
        {
          provide: STORAGE,
          useFactory: () =>
            new Storage({
              projectId: config.GCS_PROJECT_ID || undefined,
              ...(config.GCS_API_ENDPOINT ? { apiEndpoint: config.GCS_API_ENDPOINT, useAuthWithCustomEndpoint: false } : {}),
            }),
        },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorBodyFilter },
        AdminSessions,
        KnowledgeBasesRepository,
        FilesRepository,
        LinksRepository,
        IngestionsService,
        IngestionServiceClient,
        IngestionProducer,
        IngestionProcessor,
        PendingDispatches,
        StaleSweeperScheduler,
      ],
      exports: [API_CONFIG, CREDENTIAL_VERIFIER],
    };
  }
}
