import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { ContractBody } from '../common/contract-body.pipe';
import { CreateKnowledgeBaseSchema, SearchKnowledgeBaseSchema, type CreateKnowledgeBase, type SearchKnowledgeBase } from './knowledge-base.schemas';
import { KnowledgeBasesService } from './knowledge-bases.service';

/** Routes of the knowledge bases themselves; their files are served by the ingestions module. */
@ApiTags('knowledge bases')
@Controller('api/v1/knowledge-bases')
export class KnowledgeBasesController {
  constructor(private readonly knowledgeBases: KnowledgeBasesService) {}

  @Post()
  @ApiBody({ schema: CreateKnowledgeBaseSchema as object })
  async create(@Body(new ContractBody<CreateKnowledgeBase>(CreateKnowledgeBaseSchema)) body: CreateKnowledgeBase) {
    return this.knowledgeBases.create(body);
  }

  @Get()
  async list() {
    return { items: await this.knowledgeBases.list() };
  }

  @Get(':kb')
  async get(@Param('kb') id: string) {
    return this.knowledgeBases.get(id);
  }

  @Delete(':kb')
  @HttpCode(200)
  async remove(@Param('kb') id: string) {
    return this.knowledgeBases.remove(id);
  }

  @Post(':kb/search')
  @HttpCode(200)
  @ApiBody({ schema: SearchKnowledgeBaseSchema as object })
  async search(@Param('kb') id: string, @Body(new ContractBody<SearchKnowledgeBase>(SearchKnowledgeBaseSchema)) body: SearchKnowledgeBase) {
    return this.knowledgeBases.search(id, body);
  }
}
