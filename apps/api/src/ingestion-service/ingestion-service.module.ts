import { Module } from '@nestjs/common';
import { apiKeyAuth, googleIdTokenAuth } from '@docingest/service-auth';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { IngestionServiceClient, OUTBOUND_AUTH } from './ingestion-service.client';

/** The HTTP client of the ingestion service, with the credential the api presents to it. */
@Module({
  providers: [
    {
      provide: OUTBOUND_AUTH,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) => (config.AUTH_MODE === 'oidc' ? googleIdTokenAuth(config.INGESTION_SERVICE_URL) : apiKeyAuth(config.SYSTEM_API_KEY)),
    },
    IngestionServiceClient,
  ],
  exports: [IngestionServiceClient],
})
export class IngestionServiceModule {}
