import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { INGESTION_EVENT, INGESTION_EVENTS_HEARTBEAT_MS, INGESTION_EVENTS_MAX_LINKS, LINK_REMOVED_EVENT } from '@docingest/contracts';
import { ApiError } from '../common/api-error';
import { KnowledgeBasesService } from '../knowledge-bases/knowledge-bases.service';
import { linkView } from './link';
import { LinkEvents, type LinkChange } from './link-events';
import { LinksRepository } from './links.repository';
import { SentViews } from './view-order';

const INT32_MAX = 2_147_483_647;
/** How long a client waits before it reconnects after the stream broke (the SSE `retry` field). */
const RECONNECT_MS = 2_000;
/** Events written but not yet taken by a stream's client (beyond its first views), past which the stream is cut off. */
const MAX_UNSENT_BYTES = 1024 * 1024;
/**
 * What a stream refused for MAX_EVENT_STREAMS is told to wait (the Retry-After header): a place
 * frees only when some client goes, and the clients poll meanwhile, so asking again now and then
 * costs little.
 */
const FULL_RETRY_AFTER_S = 30;

function parseLinkIds(raw: unknown): number[] | null {
  if (raw === undefined || raw === '') return null;
  // A repeated parameter (?link_ids=1&link_ids=2) or a bracketed one reaches here as an array or an object.
  if (typeof raw !== 'string') {
    throw new ApiError(400, 'link_ids must be given once, as link ids separated by commas (link_ids=1,2,3)', { code: 'invalid_request', field: 'link_ids' });
  }
  const ids = raw.split(',').map((part) => Number(part.trim()));
  if (ids.some((id) => !Number.isInteger(id) || id < 1 || id > INT32_MAX)) {
    throw new ApiError(400, `link_ids must be link ids separated by commas, got '${raw.slice(0, 100)}'`, { code: 'invalid_request', field: 'link_ids' });
  }
  if (ids.length > INGESTION_EVENTS_MAX_LINKS) {
    throw new ApiError(400, `link_ids may name at most ${INGESTION_EVENTS_MAX_LINKS} links`, { code: 'invalid_request', field: 'link_ids' });
  }
  return [...new Set(ids)];
}

/**
 * docs/wire-contract.md#ingestion-events: server-sent events of a knowledge base's links, pushed
 * as the api records each change (docs/decisions.md, "Live progress"). Plain Express response
 * rather than Nest's @Sse, to send each named link's current view before any change, and to
 * answer an unknown knowledge base or a bad link_ids with the contract's error body.
 */
@ApiTags('ingestions')
@Controller('api/v1')
export class IngestionEventsController {
  constructor(
    private readonly events: LinkEvents,
    private readonly links: LinksRepository,
    private readonly knowledgeBases: KnowledgeBasesService,
  ) {}

  @Get('knowledge-bases/:kb/ingestions/events')
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'link_ids', required: false, description: 'only these links (comma-separated), each one’s current view first' })
  async stream(@Param('kb') knowledgebaseId: string, @Query('link_ids') rawLinkIds: unknown, @Res() response: Response) {
    const linkIds = parseLinkIds(rawLinkIds);
    // The client may go while the knowledge base or the views are read: the stream is then torn
    // down at once, and nothing is set up after (no listener, no heartbeat) that nobody would end.
    let closed = false;
    let unsubscribe = () => {};
    let heartbeat: NodeJS.Timeout | undefined;
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      release();
      if (!response.writableEnded) response.end();
    };
    // Its place is taken before anything else is set up, and given back by close() however the
    // stream ends (client gone, cut off for reading slowly, shutdown) or by the refusal below.
    const release = this.events.openStream(close) ?? this.refuse(response);
    // The response's close, not the request's: a GET's request closes once it has been read.
    response.on('close', close);
    // The first views (up to INGESTION_EVENTS_MAX_LINKS of them) go out in one burst a slow link
    // may take a while to drain: the bound counts from what that burst left unsent.
    let unsentLimit = Infinity;
    const write = (event: string, data: unknown) => {
      if (closed) return;
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      // A client that reads slower than changes come would have them pile up here without bound:
      // it is cut off instead, and reconnects to the current views (docs/wire-contract.md#ingestion-events).
      if (response.writableLength > unsentLimit) {
        close();
        response.destroy();
      }
    };

    const wanted = linkIds && new Set(linkIds);
    // Subscribed before the current views are read, so no change falls between the two; the
    // changes heard meanwhile are held and sent after them, those older than the views left out.
    let held: LinkChange[] | null = [];
    const sent = new SentViews();
    const send = (change: LinkChange) => {
      if (!sent.admit(change)) return;
      if (change.kind === 'changed') write(INGESTION_EVENT, change.view);
      else write(LINK_REMOVED_EVENT, change.removed);
    };
    unsubscribe = this.events.subscribe(knowledgebaseId, (change) => {
      const linkId = change.kind === 'changed' ? change.view.link_id : change.removed.link_id;
      if (wanted && !wanted.has(linkId)) return;
      if (held) held.push(change);
      else send(change);
    });

    try {
      await this.knowledgeBases.get(knowledgebaseId); // 404 for an unknown one
      if (closed) return;
      const current = linkIds ? await this.links.findInKnowledgeBase(linkIds, knowledgebaseId) : [];
      if (closed) return;
      response.status(200).set({
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Proxies that buffer (nginx) would hold the events back.
        'x-accel-buffering': 'no',
      });
      response.flushHeaders();
      response.write(`retry: ${RECONNECT_MS}\n\n`);
      for (const link of current) send({ kind: 'changed', view: linkView(link) });
      const pending = held;
      held = null;
      for (const change of pending) send(change);
      unsentLimit = response.writableLength + MAX_UNSENT_BYTES;
      // A comment line now and then keeps idle connections from being cut by proxies and load balancers.
      if (!closed) heartbeat = setInterval(() => !closed && response.write(': keep-alive\n\n'), INGESTION_EVENTS_HEARTBEAT_MS);
    } catch (error) {
      if (response.headersSent) return close();
      // Torn down without ending the response: the error filter answers with the error body.
      closed = true;
      unsubscribe();
      release();
      throw error;
    }
  }

  /** A stream over MAX_EVENT_STREAMS: 503 with Retry-After and the error body (the error filter writes it). */
  private refuse(response: Response): never {
    response.set('retry-after', String(FULL_RETRY_AFTER_S));
    throw new ApiError(
      503,
      `this api instance serves ${this.events.streams} event streams, its most (MAX_EVENT_STREAMS): poll GET /api/v1/ingestions/{link_id} meanwhile, or open the stream again in ${FULL_RETRY_AFTER_S} s`,
      { code: 'too_many_streams' },
    );
  }
}
