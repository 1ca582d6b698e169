import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { IngestionServiceClient } from '../ingestion-service/ingestion-service.client';
import { KnowledgeBasesService } from '../knowledge-bases/knowledge-bases.service';
import type { FileWithLink } from './link';
import { LinksRepository } from './links.repository';

/** The files of a knowledge base: its links, listed with their ingestion state, and removed. */
@Injectable()
export class KnowledgeBaseFiles {
  constructor(
    private readonly knowledgeBases: KnowledgeBasesService,
    private readonly links: LinksRepository,
    private readonly ingestionService: IngestionServiceClient,
  ) {}

  async list(knowledgebaseId: string): Promise<FileWithLink[]> {
    await this.knowledgeBases.get(knowledgebaseId);
    return this.links.filesIn(knowledgebaseId);
  }

  /**
   * Removes a file from a knowledge base: its chunks really deleted first, then the link. An
   * attempt still pending or processing is cancelled by the link's removal: its job finds no link,
   * and the service's next callback is answered `unknown_link`, on which it stops before storing
   * or deletes what it stored. Its chunks are deleted once more after the link is gone, for an
   * attempt that stored them between the first delete and the removal.
   */
  async remove(knowledgebaseId: string, fileUuid: string) {
    const kb = await this.knowledgeBases.get(knowledgebaseId);
    const link = await this.links.findPair(fileUuid, kb.knowledgebase_id);
    if (!link) throw new ApiError(404, `file ${fileUuid} is not in '${knowledgebaseId}'`, { code: 'unknown_link' });
    const target = { vector_table_name: kb.vector_table_name, file_uuid: fileUuid, knowledgebase_id: kb.knowledgebase_id };
    let { deleted } = await this.ingestionService.deleteVectors(target);
    const removed = await this.links.remove(link.id);
    if (removed && (removed.ingestion_status === 'pending' || removed.ingestion_status === 'processing')) {
      deleted += (await this.ingestionService.deleteVectors(target)).deleted;
    }
    return {
      file_uuid: fileUuid,
      knowledgebase_id: kb.knowledgebase_id,
      deleted_chunks: deleted,
      cancelled_attempt: removed && ['pending', 'processing'].includes(removed.ingestion_status) ? removed.attempt : null,
    };
  }
}
