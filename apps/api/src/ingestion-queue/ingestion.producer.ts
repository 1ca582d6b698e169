import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { INGEST_JOB_OPTIONS, INGEST_SINGLE_FILE_JOB, INGESTION_QUEUE, ingestJobId, type IngestSingleFileJob } from './ingestion-job';

/** Puts ingestion attempts on the queue. */
@Injectable()
export class IngestionProducer {
  constructor(@InjectQueue(INGESTION_QUEUE) private readonly queue: Queue<IngestSingleFileJob>) {}

  async enqueue(job: IngestSingleFileJob): Promise<string> {
    const jobId = ingestJobId(job);
    await this.queue.add(INGEST_SINGLE_FILE_JOB, job, { ...INGEST_JOB_OPTIONS, jobId });
    return jobId;
  }

  /** Queues many attempts in one round trip; answers their job ids in the same order. */
  async enqueueMany(jobs: IngestSingleFileJob[]): Promise<string[]> {
    if (!jobs.length) return [];
    await this.queue.addBulk(jobs.map((job) => ({ name: INGEST_SINGLE_FILE_JOB, data: job, opts: { ...INGEST_JOB_OPTIONS, jobId: ingestJobId(job) } })));
    return jobs.map(ingestJobId);
  }
}
