import { readBody, startLoopbackServer } from '@docingest/contracts/testing';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The part every embedding-API stand-in shares, whatever its wire format: a loopback HTTP
 * server that reads each request, records it, answers failures forced by a script (an error
 * status such as 429, or a dropped connection), can delay or hold requests, and makes
 * deterministic vectors. A wire format (OpenAI's `/embeddings`, Vertex AI's `:predict`) only
 * parses its requests and shapes its answers.
 */

/** What the stand-ins record of every request, whatever their wire format. */
export interface StandInRecord {
  inputs: string[];
  authorization: string | undefined;
  /** performance.now() of this server when the request arrived / its answer was sent. */
  receivedAt: number;
  answeredAt?: number;
  outcome: number | 'dropped';
}

/** One request in the hands of a wire format. */
export interface Exchange<R extends StandInRecord> {
  req: IncomingMessage;
  url: URL;
  body: string;
  record: R;
  /** Answers with this status and JSON body, noting both in the record. */
  send(status: number, payload: unknown, headers?: Record<string, string>): void;
}

export interface WireFormat<R extends StandInRecord, Failure, Parsed> {
  /** Answers at once what is not an embedding request (a token endpoint, counters, an unknown path); true when it did. */
  aside?(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  /** The record of a request just arrived: the common fields given, this format's own added. */
  record(common: StandInRecord, req: IncomingMessage, url: URL): R;
  /** Parses the body into the record; answers a malformed request itself and gives undefined. */
  read(exchange: Exchange<R>): Parsed | undefined;
  /** Answers a failure the script forced, in this format's error body. */
  fail(exchange: Exchange<R>, failure: Failure): void;
  /** Checks the request against the API's limits and answers it with vectors (or the API's error). */
  answer(exchange: Exchange<R>, request: Parsed): void;
}

export interface StandInOptions<R extends StandInRecord, Failure> {
  /** Default 0: any free port. */
  port?: number;
  /** Wait before answering each request, to make concurrency observable; default 0. */
  delayMs?: number;
  /** Answers forced on the first requests, in arrival order; later ones are answered normally. */
  script?: Array<Failure | { drop: true }>;
  /** Keep every request's record in `requests`; default true (a long benchmark counts instead). */
  keepRequests?: boolean;
  /** Called with each request's record once it is answered or dropped. */
  onAnswered?(record: R): void;
}

export interface StandInCore<R extends StandInRecord, Failure> {
  port: number;
  readonly requests: R[];
  /** Requests being handled right now, and the most at one moment since the start. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Requests waiting at the gate closed by hold(). */
  readonly waiting: number;
  /** Queue more forced answers. */
  script(...answers: Array<Failure | { drop: true }>): void;
  /** Requests arriving from now on wait (after being read) until release(). */
  hold(): void;
  /** Lets every waiting and later request through. */
  release(): void;
  close(): Promise<void>;
}

export async function startEmbeddingStandIn<R extends StandInRecord, Failure, Parsed>(
  format: WireFormat<R, Failure, Parsed>,
  options: StandInOptions<R, Failure> = {},
): Promise<StandInCore<R, Failure>> {
  const script = [...(options.script ?? [])];
  const requests: R[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let waiting = 0;
  let gate: Promise<void> = Promise.resolve();
  let openGate: () => void = () => undefined;

  const loopback = await startLoopbackServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (format.aside?.(req, res, url)) return;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once('close', () => inFlight--);
    const record = format.record({ inputs: [], authorization: req.headers.authorization, receivedAt: performance.now(), outcome: 0 }, req, url);
    if (options.keepRequests !== false) requests.push(record);
    const body = (await readBody(req)).toString('utf8');
    const forced = script.shift();
    waiting++;
    await gate;
    waiting--;
    if (options.delayMs) await delayUnlessClosed(res, options.delayMs);
    if (res.destroyed) return; // the client gave up (abort, timeout)

    const exchange: Exchange<R> = {
      req,
      url,
      body,
      record,
      send(status, payload, headers) {
        record.outcome = status;
        record.answeredAt = performance.now();
        sendJson(res, status, payload, headers);
        options.onAnswered?.(record);
      },
    };
    const parsed = format.read(exchange);
    if (parsed === undefined) return;
    if (forced && typeof forced === 'object' && 'drop' in forced) {
      record.outcome = 'dropped';
      req.socket.destroy();
      options.onAnswered?.(record);
      return;
    }
    if (forced) return format.fail(exchange, forced as Failure);
    format.answer(exchange, parsed);
  }, options.port);

  return {
    port: loopback.port,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get waiting() {
      return waiting;
    },
    script: (...answers) => script.push(...answers),
    hold() {
      gate = new Promise<void>((resolve) => (openGate = resolve));
    },
    release() {
      openGate();
      gate = Promise.resolve();
    },
    close() {
      openGate();
      return loopback.close();
    },
  };
}

/** The unit vector a stand-in returns for a text: a pure function of the text and the size. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  let seed = 2166136261;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619) >>> 0;
  const next = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  const vector = Array.from({ length: dimensions }, next);
  const norm = Math.hypot(...vector);
  // float32 values, as real embeddings are: the same numbers whether sent as JSON or as base64.
  return vector.map((x) => Math.fround(x / norm));
}

/** Answers a request with this status and JSON body (for answers outside an exchange). */
export function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
}

function delayUnlessClosed(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
