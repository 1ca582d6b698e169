import type { IngestFileRequest } from '@docingest/contracts';
import { STORED_METADATA_KEYS as KEYS } from '@docingest/vector-store';

export interface ChunkFacts {
  nodeId: string;
  text: string;
  index: number;
  pageNumber: number | null;
  contentHash: string;
}

export interface FileFacts {
  fileName: string;
  format: string;
  pageCount: number;
}

/**
 * The metadata stored with each chunk. Custom keys go first so they can never overwrite the
 * keys access control and deletion depend on (the ones the store's queries read are named by
 * vector-store). The `_node_*`, `doc_id` and `ref_doc_id` keys are
 * what LlamaIndex's Python PGVectorStore writes and its retrievers read back.
 */
export function chunkMetadata(request: IngestFileRequest, file: FileFacts, chunk: ChunkFacts): Record<string, unknown> {
  const own = {
    [KEYS.fileUuid]: request.file_uuid,
    user_uuid: request.user_uuid,
    [KEYS.teamId]: request.team_id,
    [KEYS.knowledgebaseId]: request.knowledgebase_id,
    project_id: request.project_id,
    link_id: request.link_id,
    file_name: file.fileName,
    file_format: file.format,
    page_label: chunk.pageNumber === null ? null : String(chunk.pageNumber),
    page: chunk.pageNumber,
    total_pages: file.pageCount,
    chunk_index: chunk.index,
    content_hash: chunk.contentHash,
    embedding_provider: request.embedding_provider,
    embedding_model: request.embedding_model,
    chunk_size: request.chunk_size,
    chunk_overlap: request.chunk_overlap,
  };
  const nodeContent = {
    id_: chunk.nodeId,
    metadata: own,
    excluded_embed_metadata_keys: [],
    excluded_llm_metadata_keys: [],
    relationships: { '1': { node_id: request.file_uuid, node_type: '4', metadata: {}, hash: null, class_name: 'RelatedNodeInfo' } },
    text: '',
    mimetype: 'text/plain',
    class_name: 'TextNode',
  };
  return {
    ...(request.custom_metadata ?? {}),
    ...own,
    _node_content: JSON.stringify(nodeContent),
    _node_type: 'TextNode',
    document_id: request.file_uuid,
    doc_id: request.file_uuid,
    ref_doc_id: request.file_uuid,
  };
}
