import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { scheduleRepeatable } from '../common/repeatable-job';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { IMPORTS_QUEUE, LIST_IMPORT_PAGE_JOB, RESUME_STALLED_IMPORTS_JOB, type ListImportPageJob } from './import-job';
import { ImportsService } from './imports.service';

/**
 * Lists an import's pages one job at a time; the last failed try of a page fails the import with
 * the reason. The sweep queues again the page job an import lost.
 */
@Processor(IMPORTS_QUEUE)
export class ImportPagesProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger('imports');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @InjectQueue(IMPORTS_QUEUE) private readonly queue: Queue,
    private readonly imports: ImportsService,
  ) {}

  /** The sweep runs with the stale links' one, at the same interval. */
  async onApplicationBootstrap(): Promise<void> {
    await scheduleRepeatable(this.queue, RESUME_STALLED_IMPORTS_JOB, this.config.SWEEP_INTERVAL_MS);
  }

  @Process(LIST_IMPORT_PAGE_JOB)
  async listPage(job: Job<ListImportPageJob>): Promise<void> {
    try {
      await this.imports.continueListing(job.data);
    } catch (error) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.logger.warn(JSON.stringify({ event: 'import.page_failed', import_id: job.data.importId, page: job.data.page, last, reason: (error as Error).message }));
      if (last) await this.imports.failListing(job.data.importId, error);
      throw error;
    }
  }

  @Process(RESUME_STALLED_IMPORTS_JOB)
  async resumeStalled(): Promise<{ queued: string[]; failed: string[] }> {
    const resumed = await this.imports.resumeStalledListings();
    for (const id of resumed.queued) this.logger.warn(JSON.stringify({ event: 'import.page_requeued', import_id: id, reason: 'listing with no page job' }));
    for (const id of resumed.failed) this.logger.warn(JSON.stringify({ event: 'import.listing_failed', import_id: id, reason: 'its page job failed' }));
    return resumed;
  }
}
