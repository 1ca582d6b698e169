import type { IngestFileRequest } from '@docingest/contracts';
import { ingestFileRequest } from '@docingest/contracts/testing';

/** What a run always names: its file, its table and the model. */
type RunFields = Pick<IngestFileRequest, 'file_path' | 'vector_table_name' | 'file_uuid' | 'embedding_model'>;

/**
 * The `/ingest-file` body of every bench run: one attempt by the bench's own user, team, knowledge
 * base and project, through the OpenAI-compatible fixture, with the service's default chunking and
 * batching; a run overrides what it measures (provider, chunking, batch size, attempt, ...).
 */
export function benchIngestRequest(fields: RunFields & Partial<IngestFileRequest>): IngestFileRequest {
  return ingestFileRequest({
    link_id: 1,
    embedding_provider: 'openai',
    chunk_size: 1000,
    chunk_overlap: 200,
    user_uuid: 'bench-user',
    team_id: 1,
    knowledgebase_id: 'bench',
    project_id: 'bench',
    ...fields,
  });
}
