import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { FilesRepository } from '../files/files.repository';
import { KnowledgeBasesRepository, type KnowledgeBase } from '../knowledge-bases/knowledge-bases.repository';
import { IngestionProducer } from '../queues/ingestion/ingestion.producer';
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

    const existing = await this.links.findPairs(unique, kb.knowledgebase_id);
    const busy = existing.filter((l) => l.ingestion_status === 'pending' || l.ingestion_status === 'processing');
    if (busy.length && !force) {
      throw new ApiError(409, `already ${busy.map((l) => `${l.ingestion_status} (${l.file_uuid})`).join(', ')}: wait for it to end, or send force: true to start over`, {
        code: 'ingestion_in_progress',
      });
    }
    // A few statements and one Redis round trip, however many files: 2,000 at once stay quick.
    const links = await this.links.ensureMany(unique, kb.knowledgebase_id);
    const opened = await this.links.openAttempts(
      links.map((l) => l.id),
      { embeddingModel: kb.embedding_model, chunkSize: kb.chunk_size, chunkOverlap: kb.chunk_overlap },
      force,
    );
    // Every attempt opened is queued, even when another request won some of the others meanwhile.
    const jobIds = await this.producer.enqueueMany(opened.map((l) => ({ linkId: l.id, attempt: l.attempt })));
    const lost = links.filter((l) => !opened.some((o) => o.id === l.id));
    if (lost.length) {
      throw new ApiError(409, `file ${lost.map((l) => l.file_uuid).join(', ')} was queued by someone else meanwhile`, { code: 'ingestion_in_progress' });
    }
    const byFile = new Map(opened.map((l, i) => [l.file_uuid, { link: l, jobId: jobIds[i] }]));
    const enqueued: Enqueued[] = unique.map((uuid) => {
      const { link, jobId } = byFile.get(uuid)!;
      return { file_uuid: uuid, link_id: link.id, attempt: link.attempt, job_id: jobId };
    });
    return enqueued;
  }
}
