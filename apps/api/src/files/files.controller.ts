import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Type, type Static } from '@sinclair/typebox';
import { ContractBody } from '../common/contract-body.pipe';
import { RequestTraceId } from '../logging/request-trace';
import { ApiError } from '../common/api-error';
import { FilesService } from './files.service';

const IngestSelectedSchema = Type.Object(
  {
    file_uuids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 1000 }),
    knowledgebase_id: Type.String({ minLength: 1, maxLength: 64 }),
    force: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
const ReingestSchema = Type.Object(
  { knowledgebase_id: Type.String({ minLength: 1, maxLength: 64 }), force: Type.Boolean({ default: false }) },
  { additionalProperties: false },
);

@ApiTags('files')
@Controller('api/v1/files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  /**
   * multipart/form-data: `file`, and optionally `knowledgebase_id`, `auto_ingest`, `user_uuid`,
   * `team_id`, `project_id` (send the fields before the file).
   */
  @Post()
  @ApiConsumes('multipart/form-data')
  async upload(@Req() request: Request) {
    if (!request.is('multipart/form-data')) throw new ApiError(415, 'send the file as multipart/form-data', { code: 'invalid_upload' });
    return this.files.upload(request);
  }

  @Post('ingest-selected')
  @ApiBody({ schema: IngestSelectedSchema as object })
  async ingestSelected(
    @Body(new ContractBody<Static<typeof IngestSelectedSchema>>(IngestSelectedSchema)) body: Static<typeof IngestSelectedSchema>,
    @RequestTraceId() traceId: string,
  ) {
    return { queued: await this.files.ingest(body.file_uuids, body.knowledgebase_id, body.force, traceId) };
  }

  @Post(':uuid/reingest')
  @ApiBody({ schema: ReingestSchema as object })
  async reingest(
    @Param('uuid', new ParseUUIDPipe()) uuid: string,
    @Body(new ContractBody<Static<typeof ReingestSchema>>(ReingestSchema)) body: Static<typeof ReingestSchema>,
    @RequestTraceId() traceId: string,
  ) {
    const [queued] = await this.files.ingest([uuid], body.knowledgebase_id, body.force, traceId);
    return queued;
  }

  @Get(':uuid/progress')
  async progress(@Param('uuid', new ParseUUIDPipe()) fileUuid: string) {
    return this.files.progress(fileUuid);
  }
}
