import { type DynamicModule, Module } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from './api-config';

/** The validated configuration, injectable everywhere as API_CONFIG. */
@Module({})
export class ApiConfigModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: ApiConfigModule,
      global: true,
      // A plain copy: envalid's proxy throws on unknown keys, and Nest probes providers for lifecycle hooks.
      providers: [{ provide: API_CONFIG, useValue: { ...config } }],
      exports: [API_CONFIG],
    };
  }
}
