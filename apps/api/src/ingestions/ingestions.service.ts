import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { FilesRepository } from '../files/files.repository';
import { KnowledgeBasesRepository, type KnowledgeBase } from '../knowledge-bases/knowledge-bases.repository';
import { IngestionProducer } from '../queues/ingestion/ingestion.producer';
import type { Link } from './link';
import { LinksRepository } from './links.repository';

export interface Enqueued {
  file_uuid: string;
  link_id: number;
  attempt: number;
  job_id: string;
}

/** Starting ingestions: one new attempt per link, queued once. */
@Injectable()
export class IngestionsService {
  constructor(
    private readonly links: LinksRepository,
    private readonly files: FilesRepository,
    private readonly knowledgeBases: KnowledgeBasesRepository,
    private readonly producer: IngestionProducer,
  ) {}

  async knowledgeBase(id: string): Promise<KnowledgeBase> {
    const kb = await this.knowledgeBases.find(id);
    if (!kb) throw new ApiError(404, `no knowledge base '${id}'`, { code: 'unknown_knowledge_base', field: 'knowledgebase_id' });
    return kb;
  }

  /** Queues the files; all are checked before any is queued, so a bad request queues nothing. */
  async enqueue(fileUuids: string[], knowledgebaseId: string, force: boolean): Promise<Enqueued[]> {
    const kb = await this.knowledgeBase(knowledgebaseId);
    const unique = [...new Set(fileUuids)];
    const found = await this.files.findMany(unique);
    const missing = unique.filter((uuid) => !found.some((f) => f.uuid === uuid));
    if (missing.length) throw new ApiError(404, `no file ${missing.join(', ')}`, { code: 'unknown_file', field: 'file_uuids' });

    const existing = await Promise.all(unique.map((uuid) => this.links.findPair(uuid, kb.knowledgebase_id)));
    const busy = existing.filter((l): l is Link => l?.ingestion_status === 'pending' || l?.ingestion_status === 'processing');
    if (busy.length && !force) {
      throw new ApiError(409, `already ${busy.map((l) => `${l.ingestion_status} (${l.file_uuid})`).join(', ')}: wait for it to end, or send force: true to start over`, {
        code: 'ingestion_in_progress',
      });
    }
    const links: Link[] = [];
    for (const uuid of unique) links.push(await this.links.ensure(uuid, kb.knowledgebase_id));
    const enqueued: Enqueued[] = [];
    for (const link of links) {
      const opened = await this.links.openAttempt(link.id, { embeddingModel: kb.embedding_model, chunkSize: kb.chunk_size, chunkOverlap: kb.chunk_overlap }, force);
      if (!opened) throw new ApiError(409, `file ${link.file_uuid} was queued by someone else meanwhile`, { code: 'ingestion_in_progress' });
      const jobId = await this.producer.enqueue({ linkId: opened.id, attempt: opened.attempt });
      enqueued.push({ file_uuid: link.file_uuid, link_id: opened.id, attempt: opened.attempt, job_id: jobId });
    }
    return enqueued;
  }
}
