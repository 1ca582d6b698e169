import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { scheduleRepeatable } from '../common/repeatable-job';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { INGESTION_QUEUE, SWEEP_STALE_JOB } from './ingestion-job';

/** Registers the repeatable sweep once; Bull keeps one schedule however many api instances run. */
@Injectable()
export class StaleSweeperScheduler implements OnApplicationBootstrap {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @InjectQueue(INGESTION_QUEUE) private readonly queue: Queue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await scheduleRepeatable(this.queue, SWEEP_STALE_JOB, this.config.SWEEP_INTERVAL_MS);
  }
}
