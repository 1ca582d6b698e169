import { Controller, Get, Inject, Res } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Queue } from 'bull';
import type { Pool } from 'pg';
import { Public } from '../auth/auth.guard';
import { PG_POOL } from '../database/database.module';
import { INGESTION_QUEUE } from '../ingestion-queue/ingestion-job';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @InjectQueue(INGESTION_QUEUE) private readonly queue: Queue,
  ) {}

  @Public()
  @Get()
  live() {
    return { status: 'ok' };
  }

  /** Ready when the database and Redis both answer. */
  @Public()
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response) {
    const check = async (work: () => Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([work(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 2 s')), 2000)))]);
        return 'ok';
      } catch (error) {
        return (error as Error).message;
      } finally {
        clearTimeout(timer); // a pending timer per probe would keep a stopping process alive
      }
    };
    const [database, redis] = await Promise.all([check(() => this.pool.query('SELECT 1')), check(() => this.queue.client.ping())]);
    const ready = database === 'ok' && redis === 'ok';
    response.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'unavailable', database, redis };
  }
}
