import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { IMPORTS_QUEUE, LIST_IMPORT_PAGE_JOB, type ListImportPageJob } from './import-job';
import { ImportsService } from './imports.service';

/** Lists an import's pages one job at a time; the last failed try of a page fails the import with the reason. */
@Processor(IMPORTS_QUEUE)
export class ImportPagesProcessor {
  private readonly logger = new Logger('imports');

  constructor(private readonly imports: ImportsService) {}

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
}
