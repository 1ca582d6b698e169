import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { IngestionStandIn, startedLater, type Responder } from '@docingest/contracts/testing';
import { INGESTION_QUEUE } from '../ingestion-queue/ingestion-job';
import { startApiStack, type ApiStack, type StackOptions } from './api-stack';
import { DATABASE_ENGINES, type DatabaseEngine } from './postgres15';

export interface UseApiStackOptions extends StackOptions {
  /**
   * Start an IngestionStandIn answering this way and point the api at it; without `ingestion`,
   * the real ingestion service is then not started (give `ingestion` to run it behind the stand-in).
   */
  standIn?: Responder;
  /** Knowledge bases created (with the default settings) once the stack is up. */
  knowledgeBases?: string[];
}

/** What a describe block's stack gives its tests; usable from the first beforeAll after useApiStack on. */
export interface DescribedStack {
  stack: ApiStack;
  /** Only with the `standIn` option. */
  standIn: IngestionStandIn;
  /** The Bull ingestion queue of this api. */
  queue: Queue;
}

/** The describe block once per database engine (embedded PGlite, PostgreSQL 15), its name suffixed with the engine's. */
export function describeOnEngines(name: string, tests: (engine: DatabaseEngine) => void): void {
  describe.each(DATABASE_ENGINES)(`${name} (%s)`, tests);
}

/**
 * One api stack for the enclosing describe block: started in a beforeAll (the stand-in first,
 * then the stack, then the knowledge bases), stopped in an afterAll whatever failed. The returned
 * objects stand for the ones the beforeAll starts, so tests use them as they are:
 * `const { stack, standIn } = useApiStack({ standIn: hang, knowledgeBases: ['manuals'] })`.
 */
export function useApiStack(options: UseApiStackOptions | (() => UseApiStackOptions | Promise<UseApiStackOptions>)): DescribedStack {
  const current: Partial<DescribedStack> = {};
  beforeAll(async () => {
    const { standIn: respond, knowledgeBases = [], ...stackOptions } = typeof options === 'function' ? await options() : options;
    if (respond) {
      current.standIn = await new IngestionStandIn().start();
      current.standIn.respond = respond;
    }
    const ingestion = current.standIn ? { ingestion: false, ingestionUrl: current.standIn.url } : {};
    current.stack = await startApiStack({ ...ingestion, ...stackOptions });
    current.queue = current.stack.app.get(getQueueToken(INGESTION_QUEUE));
    for (const id of knowledgeBases) await current.stack.createKnowledgeBase(id);
  });
  afterAll(async () => {
    await current.stack?.stop();
    await current.standIn?.stop();
  });
  return { stack: later(current, 'stack'), standIn: later(current, 'standIn'), queue: later(current, 'queue') };
}

function later<K extends keyof DescribedStack>(current: Partial<DescribedStack>, name: K): DescribedStack[K] {
  return startedLater<DescribedStack[K]>(
    () => current[name],
    `${name} is used before useApiStack's beforeAll has started it${name === 'standIn' ? ' (or without the standIn option)' : ''}`,
  );
}
