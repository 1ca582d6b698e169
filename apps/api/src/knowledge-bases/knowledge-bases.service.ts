import { Injectable } from '@nestjs/common';
import {
  chunkOverlapProblem,
  DEFAULT_TEXT_SEARCH_LANGUAGE,
  isLocalModel,
  LOCAL_DIMENSIONS,
  LOCAL_MODEL,
  VERTEX_EMBEDDING_MODELS,
  VERTEX_MAX_TOKENS_PER_TEXT,
  type SearchResponse,
} from '@docingest/contracts';
import { ApiError } from '../common/api-error';
import { IngestionServiceClient } from '../ingestion-service/ingestion-service.client';
import { KnowledgeBasesRepository, type KnowledgeBase } from './knowledge-bases.repository';
import type { CreateKnowledgeBase, SearchKnowledgeBase } from './knowledge-base.schemas';

/** Knowledge bases: the rules a new one must meet, finding one (or a 404), search, removal. */
@Injectable()
export class KnowledgeBasesService {
  constructor(
    private readonly knowledgeBases: KnowledgeBasesRepository,
    private readonly ingestionService: IngestionServiceClient,
  ) {}

  /** The knowledge base, or a 404 naming it (field `knowledgebase_id`). */
  async get(id: string): Promise<KnowledgeBase> {
    const kb = await this.knowledgeBases.find(id);
    if (!kb) throw new ApiError(404, `no knowledge base '${id}'`, { code: 'unknown_knowledge_base', field: 'knowledgebase_id' });
    return kb;
  }

  /** The knowledge base, or undefined when there is none. */
  async find(id: string): Promise<KnowledgeBase | undefined> {
    return this.knowledgeBases.find(id);
  }

  async list(): Promise<KnowledgeBase[]> {
    return this.knowledgeBases.list();
  }

  async create(body: CreateKnowledgeBase): Promise<KnowledgeBase> {
    const overlapProblem = chunkOverlapProblem(body.chunk_size, body.chunk_overlap);
    if (overlapProblem) throw new ApiError(400, overlapProblem, { code: 'invalid_request', field: 'chunk_overlap' });
    if (body.embedding_provider === 'local' && !isLocalModel(body.embedding_model)) {
      throw new ApiError(400, `embedding_model '${body.embedding_model}' is not a model of the local provider: use ${LOCAL_MODEL}`, {
        code: 'invalid_request',
        field: 'embedding_model',
      });
    }
    if (body.embedding_provider === 'local' && body.embedding_dimensions !== undefined && body.embedding_dimensions !== LOCAL_DIMENSIONS) {
      throw new ApiError(
        400,
        `embedding_dimensions must be ${LOCAL_DIMENSIONS} with the local provider (its model gives ${LOCAL_DIMENSIONS}), not ${body.embedding_dimensions}`,
        { code: 'invalid_request', field: 'embedding_dimensions' },
      );
    }
    if (body.embedding_provider === 'google') checkVertexModel(body);
    const vectorTableName = `kb_${body.knowledgebase_id.replace(/-/g, '_')}`;
    const created = await this.knowledgeBases.create({
      ...body,
      text_search_language: body.text_search_language ?? DEFAULT_TEXT_SEARCH_LANGUAGE,
      vector_table_name: vectorTableName,
      embedding_dimensions: body.embedding_dimensions ?? defaultDimensions(body),
    });
    if (created) return created;
    if (await this.knowledgeBases.find(body.knowledgebase_id)) {
      throw new ApiError(409, `a knowledge base '${body.knowledgebase_id}' already exists`, { code: 'exists', field: 'knowledgebase_id' });
    }
    const owner = await this.knowledgeBases.findByVectorTable(vectorTableName);
    throw new ApiError(
      409,
      `'${body.knowledgebase_id}' would share the vector table ${vectorTableName} with '${owner?.knowledgebase_id ?? 'another knowledge base'}': choose another id`,
      {
        code: 'exists',
        field: 'knowledgebase_id',
      },
    );
  }

  /**
   * Removes a knowledge base: every file's chunks deleted, then the base and its links (the
   * files stay, in the bucket and in other bases). Open attempts are cancelled as when one file
   * is removed (see KnowledgeBaseFiles.remove in ingestions), and the chunks of those files are deleted once more after. The
   * vector table is left in place, empty.
   */
  async remove(id: string) {
    const kb = await this.get(id);
    const target = (fileUuid: string) => ({ vector_table_name: kb.vector_table_name, file_uuid: fileUuid, knowledgebase_id: kb.knowledgebase_id });
    let deleted = 0;
    for (const fileUuid of await this.knowledgeBases.fileUuids(kb.knowledgebase_id)) deleted += (await this.ingestionService.deleteVectors(target(fileUuid))).deleted;
    const links = await this.knowledgeBases.remove(kb.knowledgebase_id);
    const open = links.filter((l) => l.ingestion_status === 'pending' || l.ingestion_status === 'processing');
    for (const link of open) deleted += (await this.ingestionService.deleteVectors(target(link.file_uuid))).deleted;
    return { knowledgebase_id: kb.knowledgebase_id, files: links.length, deleted_chunks: deleted, cancelled_attempts: open.length };
  }

  async search(id: string, body: SearchKnowledgeBase): Promise<SearchResponse> {
    const kb = await this.get(id);
    return this.ingestionService.search({
      query: body.query,
      top_k: body.top_k,
      file_uuid: body.file_uuid,
      mode: body.mode,
      text_search_language: kb.text_search_language,
      vector_table_name: kb.vector_table_name,
      embedding_provider: kb.embedding_provider,
      embedding_model: kb.embedding_model,
      embedding_dimensions: kb.embedding_dimensions,
      knowledgebase_id: kb.knowledgebase_id,
    });
  }
}

/** The size a knowledge base records when none is given: the model's own, where it is known. */
function defaultDimensions(body: CreateKnowledgeBase): number | null {
  if (body.embedding_provider === 'local') return LOCAL_DIMENSIONS;
  if (body.embedding_provider === 'google') return VERTEX_EMBEDDING_MODELS[body.embedding_model].dimensions;
  return null;
}

/** A Vertex AI model this service knows, a size it can give, and chunks within its per-text limit. */
function checkVertexModel(body: CreateKnowledgeBase): void {
  const model = VERTEX_EMBEDDING_MODELS[body.embedding_model];
  if (!model) {
    throw new ApiError(
      400,
      `embedding_model '${body.embedding_model}' is not a Vertex AI embedding model of the google provider: use one of ${Object.keys(VERTEX_EMBEDDING_MODELS).join(', ')}`,
      {
        code: 'invalid_request',
        field: 'embedding_model',
      },
    );
  }
  if (body.embedding_dimensions !== undefined && body.embedding_dimensions > model.dimensions) {
    throw new ApiError(400, `embedding_dimensions must be at most ${model.dimensions} with ${body.embedding_model}, not ${body.embedding_dimensions}`, {
      code: 'invalid_request',
      field: 'embedding_dimensions',
    });
  }
  if (body.chunk_size > VERTEX_MAX_TOKENS_PER_TEXT) {
    throw new ApiError(
      400,
      `chunk_size must be at most ${VERTEX_MAX_TOKENS_PER_TEXT} with the google provider (Vertex AI embeds at most ${VERTEX_MAX_TOKENS_PER_TEXT} tokens per text), not ${body.chunk_size}`,
      {
        code: 'invalid_request',
        field: 'chunk_size',
      },
    );
  }
}
