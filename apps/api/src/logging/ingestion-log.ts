import { Inject, Injectable } from '@nestjs/common';
import { traceLogFields } from '@docingest/cloud-logging';
import type { Logger as Pino } from 'pino';
import { API_CONFIG, type ApiConfig } from '../config/api-config';

/** The api's root pino logger (lines with no request bound to them). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** One ingestion attempt, as its log lines name it. */
export interface AttemptRef {
  linkId: number;
  attempt: number;
  fileUuid?: string;
  /** The attempt's trace (docs/wire-contract.md#trace); absent for attempts started before traces were stored. */
  traceId?: string | null;
}

/**
 * Loggers for the lines about one ingestion attempt: the Bull processor, the dispatch, the
 * sweeper and the progress callback all log through one, so every line carries the attempt's
 * stored trace and Cloud Logging shows the attempt's story under it, whatever request or job
 * the line was written in. Children of the root logger, not of a request's: a callback's own
 * request trace is not what names the attempt.
 */
@Injectable()
export class IngestionLog {
  constructor(
    @Inject(ROOT_LOGGER) private readonly root: Pino,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  for(context: string, ref: AttemptRef): Pino {
    return this.root.child({
      context,
      ...traceLogFields(ref.traceId ? { traceId: ref.traceId } : undefined, this.config.GOOGLE_CLOUD_PROJECT || undefined),
      link_id: ref.linkId,
      ...(ref.fileUuid ? { file_uuid: ref.fileUuid } : {}),
      attempt: ref.attempt,
    });
  }
}
