import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { LinksRepository } from '../ingestions/links.repository';
import type { Link } from '../ingestions/link';
import type { KnowledgeBase } from '../knowledge-bases/knowledge-bases.repository';
import { IngestionLog } from '../logging/ingestion-log';
import { IngestionProducer } from './ingestion.producer';

export interface Enqueued {
  file_uuid: string;
  link_id: number;
  attempt: number;
  job_id: string;
  /** The attempt's trace: the starting request's (docs/wire-contract.md#trace). */
  trace_id: string;
}

/** Starting ingestions: one new attempt per link, queued once. */
@Injectable()
export class IngestionsService {
  constructor(
    private readonly links: LinksRepository,
    private readonly producer: IngestionProducer,
    private readonly log: IngestionLog,
  ) {}

  /**
   * Queues these files (which exist: the files module checks) into the knowledge base; all are
   * checked before any is queued, so a bad request queues nothing. Each attempt runs under
   * `traceId`, the trace of the request that started it (docs/wire-contract.md#trace).
   */
  async enqueue(kb: KnowledgeBase, fileUuids: string[], force: boolean, traceId: string): Promise<Enqueued[]> {
    const unique = [...new Set(fileUuids)];
    const existing = await this.links.findPairs(unique, kb.knowledgebase_id);
    const busy = existing.filter((l) => l.ingestion_status === 'pending' || l.ingestion_status === 'processing');
    if (busy.length && !force) {
      throw new ApiError(409, `already ${busy.map((l) => `${l.ingestion_status} (${l.file_uuid})`).join(', ')}: wait for it to end, or send force: true to start over`, {
        code: 'ingestion_in_progress',
      });
    }
    // A few statements and one Redis round trip, however many files: 2,000 at once stay quick.
    const links = await this.links.ensureMany(unique, kb.knowledgebase_id);
    const { opened, jobIds } = await this.queueAttempts(
      links.map((l) => l.id),
      kb,
      force,
      traceId,
    );
    opened.forEach((l, i) =>
      this.log
        .for('ingestion', { linkId: l.id, attempt: l.attempt, fileUuid: l.file_uuid, traceId })
        .info({ event: 'ingestion.queued', knowledgebase_id: kb.knowledgebase_id, job_id: jobIds[i], force }),
    );
    const lost = links.filter((l) => !opened.some((o) => o.id === l.id));
    if (lost.length) {
      throw new ApiError(409, `file ${lost.map((l) => l.file_uuid).join(', ')} was queued by someone else meanwhile`, { code: 'ingestion_in_progress' });
    }
    const byFile = new Map(opened.map((l, i) => [l.file_uuid, { link: l, jobId: jobIds[i] }]));
    const enqueued: Enqueued[] = unique.map((uuid) => {
      const { link, jobId } = byFile.get(uuid)!;
      return { file_uuid: uuid, link_id: link.id, attempt: link.attempt, job_id: jobId, trace_id: traceId };
    });
    return enqueued;
  }

  /**
   * A new attempt on each link (one still open is left out unless forced) and a job for each
   * attempt opened: one statement and one Redis round trip, however many links. Every attempt
   * opened is queued, even when another request won some of the others meanwhile. Each attempt
   * runs under `traceId` (docs/wire-contract.md#trace).
   */
  async queueAttempts(linkIds: number[], kb: KnowledgeBase, force: boolean, traceId: string): Promise<{ opened: Link[]; jobIds: string[] }> {
    if (!linkIds.length) return { opened: [], jobIds: [] };
    const opened = await this.links.openAttempts(
      linkIds,
      { embeddingModel: kb.embedding_model, chunkSize: kb.chunk_size, chunkOverlap: kb.chunk_overlap, traceId },
      force,
    );
    const jobIds = await this.producer.enqueueMany(opened.map((l) => ({ linkId: l.id, attempt: l.attempt, traceId })));
    return { opened, jobIds };
  }
}
