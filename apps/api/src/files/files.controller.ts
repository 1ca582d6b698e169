import { Body, Controller, Inject, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Storage } from '@google-cloud/storage';
import { Type, type Static } from '@sinclair/typebox';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { ContractBody } from '../common/contract-body.pipe';
import { IngestionsService } from '../ingestions/ingestions.service';
import { LinksRepository } from '../ingestions/links.repository';
import { ApiError } from '../common/api-error';
import { FilesRepository } from './files.repository';
import { uploadToBucket } from './upload-to-bucket';

export const STORAGE = Symbol('STORAGE');

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
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(STORAGE) private readonly storage: Storage,
    private readonly files: FilesRepository,
    private readonly links: LinksRepository,
    private readonly ingestions: IngestionsService,
  ) {}

  /**
   * multipart/form-data: `file`, and optionally `knowledgebase_id`, `auto_ingest`, `user_uuid`,
   * `team_id`, `project_id` (send the fields before the file).
   */
  @Post()
  @ApiConsumes('multipart/form-data')
  async upload(@Req() request: Request) {
    if (!request.is('multipart/form-data')) throw new ApiError(415, 'send the file as multipart/form-data', { code: 'invalid_upload' });
    const object = await uploadToBucket(request, this.storage, this.config.GCS_BUCKET, this.config.UPLOAD_MAX_BYTES);
    const { knowledgebase_id: kbId, auto_ingest: autoIngest } = object.fields;
    const kb = kbId
      ? await this.ingestions.knowledgeBase(kbId).catch(async (error) => {
          await this.storage.bucket(this.config.GCS_BUCKET).file(object.storagePath.split('/').slice(3).join('/')).delete({ ignoreNotFound: true });
          throw error;
        })
      : undefined;
    const file = await this.files.create({
      uuid: object.uuid,
      title: object.fileName,
      storage_path: object.storagePath,
      content_type: object.contentType,
      size: object.size,
      user_uuid: object.fields.user_uuid ?? null,
      team_id: object.fields.team_id ?? null,
      project_id: object.fields.project_id ?? null,
    });
    let ingestion;
    if (kb) {
      await this.links.ensure(file.uuid, kb.knowledgebase_id);
      if (autoIngest === 'true') [ingestion] = await this.ingestions.enqueue([file.uuid], kb.knowledgebase_id, false);
    }
    return { ...file, knowledgebase_id: kb?.knowledgebase_id ?? null, ingestion: ingestion ?? null };
  }

  @Post('ingest-selected')
  @ApiBody({ schema: IngestSelectedSchema as object })
  async ingestSelected(@Body(new ContractBody<Static<typeof IngestSelectedSchema>>(IngestSelectedSchema)) body: Static<typeof IngestSelectedSchema>) {
    return { queued: await this.ingestions.enqueue(body.file_uuids, body.knowledgebase_id, body.force) };
  }

  @Post(':uuid/reingest')
  @ApiBody({ schema: ReingestSchema as object })
  async reingest(
    @Param('uuid', new ParseUUIDPipe()) uuid: string,
    @Body(new ContractBody<Static<typeof ReingestSchema>>(ReingestSchema)) body: Static<typeof ReingestSchema>,
  ) {
    const [queued] = await this.ingestions.enqueue([uuid], body.knowledgebase_id, body.force);
    return queued;
  }
}
