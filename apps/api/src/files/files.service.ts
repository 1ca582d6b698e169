import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { Storage } from '@google-cloud/storage';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { ApiError } from '../common/api-error';
import { IngestionsService, type Enqueued } from '../ingestion-queue/ingestions.service';
import { linkView } from '../ingestions/link';
import { LinksRepository } from '../ingestions/links.repository';
import { KnowledgeBasesService } from '../knowledge-bases/knowledge-bases.service';
import { requestTrace } from '../logging/request-trace';
import { FilesRepository } from './files.repository';
import { uploadToBucket } from './upload-to-bucket';

export const STORAGE = Symbol('STORAGE');

/** Files: uploaded to the bucket and recorded, put into knowledge bases, queued for ingestion. */
@Injectable()
export class FilesService {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(STORAGE) private readonly storage: Storage,
    private readonly files: FilesRepository,
    private readonly links: LinksRepository,
    private readonly knowledgeBases: KnowledgeBasesService,
    private readonly ingestions: IngestionsService,
  ) {}

  /**
   * Streams the multipart upload to the bucket and records the file; with `knowledgebase_id` it
   * is linked to that base (an unknown base removes the object again: 404), and with
   * `auto_ingest=true` queued.
   */
  async upload(request: Request) {
    const object = await uploadToBucket(request, this.storage, this.config.GCS_BUCKET, this.config.UPLOAD_MAX_BYTES);
    const { knowledgebase_id: kbId, auto_ingest: autoIngest } = object.fields;
    const kb = kbId
      ? await this.knowledgeBases.get(kbId).catch(async (error) => {
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
      if (autoIngest === 'true') [ingestion] = await this.ingestions.enqueue(kb, [file.uuid], false, requestTrace(request).traceId);
    }
    return { ...file, knowledgebase_id: kb?.knowledgebase_id ?? null, ingestion: ingestion ?? null };
  }

  /**
   * Queues the files into the knowledge base under the request's trace: an unknown base or file is
   * a 404 and queues nothing.
   */
  async ingest(fileUuids: string[], knowledgebaseId: string, force: boolean, traceId: string): Promise<Enqueued[]> {
    const kb = await this.knowledgeBases.get(knowledgebaseId);
    const unique = [...new Set(fileUuids)];
    const found = await this.files.findMany(unique);
    const missing = unique.filter((uuid) => !found.some((f) => f.uuid === uuid));
    if (missing.length) throw new ApiError(404, `no file ${missing.join(', ')}`, { code: 'unknown_file', field: 'file_uuids' });
    return this.ingestions.enqueue(kb, unique, force, traceId);
  }

  /** Where the file's ingestion into each of its knowledge bases stands. */
  async progress(fileUuid: string) {
    // An unknown file is a 404, not "no links": a poller with a wrong id must not wait forever.
    if (!(await this.files.find(fileUuid))) throw new ApiError(404, `no file ${fileUuid}`, { code: 'unknown_file' });
    return { file_uuid: fileUuid, links: (await this.links.forFile(fileUuid)).map(linkView) };
  }
}
