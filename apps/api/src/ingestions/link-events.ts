import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import type { IngestionView, LinkRemovedEvent } from '@docingest/contracts';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { readInstallationId } from '../database/installation';
import { linkView, type Link } from './link';

/** One change the api recorded on a link, as every api instance hears it. */
export type LinkChange = { kind: 'changed'; view: IngestionView } | { kind: 'removed'; knowledgebase_id: string; removed: LinkRemovedEvent };

type Listener = (change: LinkChange) => void;

/**
 * Link changes, published as the api records them and heard by every api instance: each change is
 * published on a Redis channel of the installation (`docingest:<installation id>:link-events`,
 * beside its Bull keys) and every instance, this one included, hands what it hears to its own
 * listeners, the event streams open on it (docs/decisions.md, "Live progress"). Publishing never
 * waits and never fails a caller: a change Redis does not carry is caught by the clients'
 * backstop poll.
 */
@Injectable()
export class LinkEvents implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('link-events');
  private readonly listeners = new EventEmitter().setMaxListeners(0);
  private readonly closers = new Set<() => void>();
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;
  private channel = '';

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  async onModuleInit(): Promise<void> {
    this.channel = `docingest:${await readInstallationId(this.config.DATABASE_URL)}:link-events`;
    const connect = (role: string) => {
      // Commands wait while Redis is away rather than fail at once; the clients' poll covers the gap.
      const client = new Redis(this.config.REDIS_URL, { maxRetriesPerRequest: null });
      client.on('error', (error) => this.logger.warn(JSON.stringify({ event: 'link_events.redis_error', role, message: error.message })));
      return client;
    };
    this.publisher = connect('publisher');
    const subscriber = connect('subscriber');
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        this.listeners.emit('change', JSON.parse(message) as LinkChange);
      } catch (error) {
        this.logger.warn(JSON.stringify({ event: 'link_events.unreadable', message: (error as Error).message }));
      }
    });
    this.subscriber = subscriber;
    await subscriber.subscribe(this.channel);
  }

  /** Links as just recorded (the rows an UPDATE … RETURNING answered). */
  changed(links: readonly Link[]): void {
    for (const link of links) this.publish({ kind: 'changed', view: linkView(link) });
  }

  removed(link: Link): void {
    this.publish({ kind: 'removed', knowledgebase_id: link.knowledgebase_id, removed: { link_id: link.id, file_uuid: link.file_uuid } });
  }

  /** Calls `listener` with every change of a link of `knowledgebaseId`; answers the unsubscribe. */
  subscribe(knowledgebaseId: string, listener: Listener): () => void {
    const filtered = (change: LinkChange) => {
      const kb = change.kind === 'changed' ? change.view.knowledgebase_id : change.knowledgebase_id;
      if (kb === knowledgebaseId) listener(change);
    };
    this.listeners.on('change', filtered);
    return () => this.listeners.off('change', filtered);
  }

  /** Listeners now: the event streams open on this instance. */
  get listening(): number {
    return this.listeners.listenerCount('change');
  }

  /**
   * A place for one more event stream on this instance, with the stream's way to end it at
   * shutdown (an open stream would hold the HTTP server open); answers its release, or undefined
   * when MAX_EVENT_STREAMS are open already: each holds a listener, a timer and a buffer.
   */
  openStream(close: () => void): (() => void) | undefined {
    if (this.closers.size >= this.config.MAX_EVENT_STREAMS) return undefined;
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  /** Event streams open on this instance, from the moment they are asked for until they end. */
  get streams(): number {
    return this.closers.size;
  }

  /** First thing at shutdown: an open stream would keep the HTTP server from closing. */
  onModuleDestroy(): void {
    for (const close of [...this.closers]) close();
    this.closers.clear();
  }

  async onApplicationShutdown(): Promise<void> {
    this.listeners.removeAllListeners();
    await Promise.all([this.subscriber, this.publisher].map((client) => client?.quit().catch(() => client.disconnect())));
    this.subscriber = this.publisher = null;
  }

  private publish(change: LinkChange): void {
    this.publisher?.publish(this.channel, JSON.stringify(change)).catch((error: Error) => {
      this.logger.warn(JSON.stringify({ event: 'link_events.publish_failed', message: error.message }));
    });
  }
}
