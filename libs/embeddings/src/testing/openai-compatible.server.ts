import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer to force on the next request: an HTTP error (with Retry-After) or a dropped connection. */
export type ScriptedAnswer = { status: number; message?: string; retryAfter?: string } | { drop: true };

export interface OpenAICompatibleServerOptions {
  /** Vector size when the request has no `dimensions`; default 16. */
  dimensions?: number;
  /** Wait before answering each request, to make concurrency observable; default 0. */
  delayMs?: number;
  /** More inputs in one request answer 400, as OpenAI does past 2048; default 2048. */
  maxInputsPerRequest?: number;
  /** When set, requests without `Authorization: Bearer <apiKey>` answer 401. */
  apiKey?: string;
  /** Answers forced on the first requests, in arrival order; later ones embed normally. */
  script?: ScriptedAnswer[];
  /** Return `data` in reverse order (each item keeps its true `index`). */
  reverseData?: boolean;
}

export interface RecordedRequest {
  inputs: string[];
  model: unknown;
  dimensions: unknown;
  authorization: string | undefined;
  /** performance.now() of this server when the request arrived / its answer was sent. */
  receivedAt: number;
  answeredAt?: number;
  outcome: number | 'dropped';
}

export interface OpenAICompatibleServer {
  /** The API root to use as baseURL, e.g. http://127.0.0.1:PORT/v1 */
  baseURL: string;
  readonly requests: RecordedRequest[];
  /** Most requests this server was handling at the same moment. */
  readonly maxInFlight: number;
  /** Queue more forced answers. */
  script(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

/**
 * A small OpenAI-compatible `/embeddings` server on 127.0.0.1 with deterministic vectors
 * (fakeEmbedding), for tests of anything that talks to an embeddings endpoint.
 */
export async function startOpenAICompatibleServer(options: OpenAICompatibleServerOptions = {}): Promise<OpenAICompatibleServer> {
  const defaultDimensions = options.dimensions ?? 16;
  const maxInputs = options.maxInputsPerRequest ?? 2048;
  const script = [...(options.script ?? [])];
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const server = createServer(async (req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once('close', () => inFlight--);
    const record: RecordedRequest = {
      inputs: [],
      model: undefined,
      dimensions: undefined,
      authorization: req.headers.authorization,
      receivedAt: performance.now(),
      outcome: 0,
    };
    requests.push(record);
    const body = await readBody(req);
    const forced = script.shift();
    if (options.delayMs) await delayUnlessClosed(res, options.delayMs);
    if (res.destroyed) return; // the client gave up (abort, timeout)

    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.outcome = status;
      record.answeredAt = performance.now();
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    };
    const fail = (status: number, message: string, headers?: Record<string, string>) =>
      send(status, { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'invalid_request_error', code: null } }, headers);

    if (req.method !== 'POST' || !req.url?.endsWith('/embeddings')) return fail(404, `no route ${req.method} ${req.url}`);
    let parsed: { model?: unknown; input?: unknown; dimensions?: unknown; encoding_format?: unknown };
    try {
      parsed = JSON.parse(body);
    } catch {
      return fail(400, 'body is not JSON');
    }
    const inputs = typeof parsed.input === 'string' ? [parsed.input] : parsed.input;
    if (Array.isArray(inputs)) record.inputs = inputs.map(String);
    record.model = parsed.model;
    record.dimensions = parsed.dimensions;

    if (forced && 'drop' in forced) {
      record.outcome = 'dropped';
      req.socket.destroy();
      return;
    }
    if (forced) {
      return fail(forced.status, forced.message ?? `scripted ${forced.status}`, forced.retryAfter ? { 'retry-after': forced.retryAfter } : {});
    }
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) return fail(401, 'Incorrect API key provided');
    if (typeof parsed.model !== 'string' || !parsed.model) return fail(400, "'model' is required");
    if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((t) => typeof t === 'string' && t !== '')) {
      return fail(400, "'input' must be a non-empty string or an array of non-empty strings");
    }
    if (inputs.length > maxInputs) return fail(400, `'input' has ${inputs.length} items, at most ${maxInputs} are allowed`);
    const dimensions = parsed.dimensions === undefined ? defaultDimensions : Number(parsed.dimensions);
    if (!Number.isInteger(dimensions) || dimensions < 1) return fail(400, "'dimensions' must be a positive integer");
    if (parsed.encoding_format !== undefined && parsed.encoding_format !== 'float' && parsed.encoding_format !== 'base64') {
      return fail(400, "'encoding_format' must be 'float' or 'base64'");
    }

    const data = inputs.map((text: string, index: number) => ({
      object: 'embedding',
      index,
      embedding: encodeEmbedding(fakeEmbedding(text, dimensions), parsed.encoding_format),
    }));
    if (options.reverseData) data.reverse();
    const tokens = inputs.reduce((sum: number, text: string) => sum + text.split(/\s+/).length, 0);
    send(200, { object: 'list', data, model: parsed.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    script: (...answers) => script.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The unit vector this server returns for a text: a pure function of the text and the size. */
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

function delayUnlessClosed(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** As OpenAI answers: a JSON array of numbers, or with `encoding_format: "base64"` the base64 of the float32 values. */
function encodeEmbedding(vector: number[], format: unknown): number[] | string {
  return format === 'base64' ? Buffer.from(Float32Array.from(vector).buffer).toString('base64') : vector;
}
