import type { Queue } from 'bull';

/**
 * Schedules a repeatable job (one without data) every `every` ms, dropping a schedule of the same
 * job at another interval: Bull keeps one schedule however many api instances run.
 */
export async function scheduleRepeatable(queue: Queue, name: string, every: number): Promise<void> {
  for (const job of await queue.getRepeatableJobs()) {
    if (job.name === name && job.every !== every) await queue.removeRepeatableByKey(job.key);
  }
  await queue.add(name, {}, { repeat: { every }, jobId: name, removeOnComplete: true, removeOnFail: 100 });
}
