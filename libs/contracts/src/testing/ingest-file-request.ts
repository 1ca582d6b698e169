import { INGEST_FILE_DEFAULTS, type IngestFileRequest } from '../schemas';

/** What every `/ingest-file` body of a test names: its file, its table and knowledge base, the provider and model. */
type NamedFields = Pick<IngestFileRequest, 'file_path' | 'vector_table_name' | 'file_uuid' | 'knowledgebase_id' | 'embedding_provider' | 'embedding_model'>;

/**
 * A well-formed `/ingest-file` body: a first attempt with no link, owner, project or custom
 * metadata, small chunks (64 tokens, 8 shared) so a short text makes several, and the contract's
 * default batching. A test names what it sends and overrides what it is about.
 */
export function ingestFileRequest(fields: NamedFields & Partial<IngestFileRequest>): IngestFileRequest {
  return {
    link_id: null,
    chunk_size: 64,
    chunk_overlap: 8,
    ...INGEST_FILE_DEFAULTS,
    user_uuid: null,
    team_id: null,
    project_id: null,
    custom_metadata: null,
    attempt: 1,
    ...fields,
  };
}
