import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { KnowledgeBaseFiles } from './knowledge-base-files.service';

/** A knowledge base's files: each one is a link, with its ingestion state. */
@ApiTags('knowledge bases')
@Controller('api/v1/knowledge-bases')
export class KnowledgeBaseFilesController {
  constructor(private readonly files: KnowledgeBaseFiles) {}

  @Get(':kb/files')
  async list(@Param('kb') id: string) {
    return { items: await this.files.list(id) };
  }

  @Delete(':kb/files/:uuid')
  @HttpCode(200)
  async remove(@Param('kb') id: string, @Param('uuid', new ParseUUIDPipe()) fileUuid: string) {
    return this.files.remove(id, fileUuid);
  }
}
