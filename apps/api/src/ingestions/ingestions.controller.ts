import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { isFinalStatus, ProgressUpdateSchema, type ProgressUpdate } from '@docingest/contracts';
import { SystemOnly } from '../auth/auth.guard';
import { ApiError } from '../common/api-error';
import { ContractBody } from '../common/contract-body.pipe';
import { IngestionLog } from '../logging/ingestion-log';
import { RequestTraceId } from '../logging/request-trace';
import { LinksRepository } from './links.repository';
import { linkView } from './link';

const INT32_MAX = 2_147_483_647;

@ApiTags('ingestions')
@Controller('api/v1')
export class IngestionsController {
  constructor(
    private readonly links: LinksRepository,
    private readonly log: IngestionLog,
  ) {}

  /**
   * The ingestion service's progress callback (docs/wire-contract.md#progress-callback). An update that would move the link
   * backwards, reopen a final attempt or belongs to an older attempt is answered 200 with
   * `applied: false` and the reason, so the service does not retry it. The answer also cancels an
   * attempt the api no longer wants: `cancel: superseded` for an older attempt, and a 404
   * `unknown_link` for a link removed from its knowledge base (the service then deletes what it stored).
   */
  @SystemOnly()
  @Post('files/:uuid/update-progress')
  @HttpCode(200)
  @ApiBody({ schema: ProgressUpdateSchema as object })
  async updateProgress(
    @Param('uuid', new ParseUUIDPipe()) fileUuid: string,
    @Body(new ContractBody<ProgressUpdate>(ProgressUpdateSchema)) update: ProgressUpdate,
    @RequestTraceId() callbackTraceId: string,
  ) {
    // The contract leaves these unbounded; the columns are 32-bit, and an overflow must be the caller's 400, not our 500.
    for (const field of ['processed_docs', 'total_docs', 'chunks', 'attempt', 'chunks_embedded', 'chunks_reused', 'embedding_tokens'] as const) {
      const value = update[field];
      if (typeof value === 'number' && value > INT32_MAX) throw new ApiError(400, `field '${field}' must be <= ${INT32_MAX}`, { code: 'invalid_request', field });
    }
    if (update.link_id !== null && update.link_id > INT32_MAX) {
      throw new ApiError(404, `no link ${update.link_id} for file ${fileUuid}`, { code: 'unknown_link', field: 'link_id' });
    }
    const outcome = await this.links.applyProgress(fileUuid, update);
    if (outcome.link) {
      // Under the attempt's stored trace; a callback of an older attempt carries that attempt's own.
      const { link } = outcome;
      const stale = !outcome.applied && outcome.reason === 'stale_attempt';
      const log = this.log.for('progress', { linkId: link.id, attempt: update.attempt ?? link.attempt, fileUuid, traceId: stale ? callbackTraceId : link.trace_id });
      const fields = { status: update.status, stage: update.stage, progress: update.progress, chunks: update.chunks, applied: outcome.applied };
      if (!outcome.applied) log.info({ event: 'progress.not_applied', ...fields, reason: outcome.reason });
      else if (isFinalStatus(update.status)) log.info({ event: 'progress.final', ...fields, error: update.error });
      else log.debug({ event: 'progress.applied', ...fields });
    }
    if (!outcome.applied && outcome.reason === 'unknown_link') {
      throw new ApiError(404, `no link ${update.link_id} for file ${fileUuid}`, { code: 'unknown_link', field: 'link_id' });
    }
    // A newer attempt started: tell this one to stop (UpdateProgressResponse in libs/contracts).
    const cancel = !outcome.applied && outcome.reason === 'stale_attempt' ? ('superseded' as const) : undefined;
    return { applied: outcome.applied, reason: outcome.applied ? undefined : outcome.reason, cancel, link: outcome.link ? linkView(outcome.link) : undefined };
  }

  @Get('ingestions/:linkId')
  async ingestion(@Param('linkId', new ParseIntPipe()) linkId: number) {
    const link = linkId >= 1 && linkId <= INT32_MAX ? await this.links.find(linkId) : undefined;
    if (!link) throw new ApiError(404, `no ingestion ${linkId}`, { code: 'unknown_link' });
    return linkView(link);
  }
}
