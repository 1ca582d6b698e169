import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import {
  chunkOverlapProblem,
  DEFAULT_TEXT_SEARCH_LANGUAGE,
  isLocalModel,
  LOCAL_DIMENSIONS,
  LOCAL_MODEL,
  VERTEX_EMBEDDING_MODELS,
  VERTEX_MAX_TOKENS_PER_TEXT,
} from '@docingest/contracts';
import { ApiError } from '../common/api-error';
import { ContractBody } from '../common/contract-body.pipe';
import { FilesRepository } from '../files/files.repository';
import { IngestionServiceClient } from '../ingestion-service/ingestion-service.client';
import { IngestionsService } from '../ingestions/ingestions.service';
import { LinksRepository } from '../ingestions/links.repository';
import { KnowledgeBasesRepository } from './knowledge-bases.repository';
import { CreateKnowledgeBaseSchema, SearchKnowledgeBaseSchema, type CreateKnowledgeBase, type SearchKnowledgeBase } from './knowledge-base.schemas';

@ApiTags('knowledge bases')
@Controller('api/v1/knowledge-bases')
export class KnowledgeBasesController {
  constructor(
    private readonly knowledgeBases: KnowledgeBasesRepository,
    private readonly files: FilesRepository,
    private readonly links: LinksRepository,
    private readonly ingestions: IngestionsService,
    private readonly ingestionService: IngestionServiceClient,
  ) {}

  @Post()
  @ApiBody({ schema: CreateKnowledgeBaseSchema as object })
  async create(@Body(new ContractBody<CreateKnowledgeBase>(CreateKnowledgeBaseSchema)) body: CreateKnowledgeBase) {
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

  @Get()
  async list() {
    return { items: await this.knowledgeBases.list() };
  }

  @Get(':kb')
  async get(@Param('kb') id: string) {
    return this.ingestions.knowledgeBase(id);
  }

  @Get(':kb/files')
  async filesOf(@Param('kb') id: string) {
    await this.ingestions.knowledgeBase(id);
    return { items: await this.files.inKnowledgeBase(id) };
  }

  /**
   * Removes a file from a knowledge base: its chunks really deleted first, then the link. An
   * attempt still pending or processing is cancelled by the link's removal: its job finds no link,
   * and the service's next callback is answered `unknown_link`, on which it stops before storing
   * or deletes what it stored. Its chunks are deleted once more after the link is gone, for an
   * attempt that stored them between the first delete and the removal.
   */
  @Delete(':kb/files/:uuid')
  @HttpCode(200)
  async removeFile(@Param('kb') id: string, @Param('uuid', new ParseUUIDPipe()) fileUuid: string) {
    const kb = await this.ingestions.knowledgeBase(id);
    const link = await this.links.findPair(fileUuid, kb.knowledgebase_id);
    if (!link) throw new ApiError(404, `file ${fileUuid} is not in '${id}'`, { code: 'unknown_link' });
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

  /**
   * Removes a knowledge base: every file's chunks deleted, then the base and its links (the
   * files stay, in the bucket and in other bases). Open attempts are cancelled as when one file
   * is removed (see removeFile), and the chunks of those files are deleted once more after. The
   * vector table is left in place, empty.
   */
  @Delete(':kb')
  @HttpCode(200)
  async remove(@Param('kb') id: string) {
    const kb = await this.ingestions.knowledgeBase(id);
    const target = (fileUuid: string) => ({ vector_table_name: kb.vector_table_name, file_uuid: fileUuid, knowledgebase_id: kb.knowledgebase_id });
    let deleted = 0;
    for (const file of await this.files.inKnowledgeBase(kb.knowledgebase_id)) deleted += (await this.ingestionService.deleteVectors(target(file.uuid))).deleted;
    const links = await this.knowledgeBases.remove(kb.knowledgebase_id);
    const open = links.filter((l) => l.ingestion_status === 'pending' || l.ingestion_status === 'processing');
    for (const link of open) deleted += (await this.ingestionService.deleteVectors(target(link.file_uuid))).deleted;
    return { knowledgebase_id: kb.knowledgebase_id, files: links.length, deleted_chunks: deleted, cancelled_attempts: open.length };
  }

  @Post(':kb/search')
  @HttpCode(200)
  @ApiBody({ schema: SearchKnowledgeBaseSchema as object })
  async search(@Param('kb') id: string, @Body(new ContractBody<SearchKnowledgeBase>(SearchKnowledgeBaseSchema)) body: SearchKnowledgeBase) {
    const kb = await this.ingestions.knowledgeBase(id);
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
