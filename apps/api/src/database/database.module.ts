import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { API_CONFIG, type ApiConfig } from '../config/api-config';

export const PG_POOL = Symbol('PG_POOL');

class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** One pool for the app tables, closed last on shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: PG_POOL,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) => {
        const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE });
        pool.on('error', () => undefined); // a dropped idle connection is replaced on next use
        return pool;
      },
    },
    PoolCloser,
  ],
  exports: [PG_POOL],
})
export class DatabaseModule {}
