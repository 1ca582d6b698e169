import { fakeEmbedding, sendJson, startEmbeddingStandIn, type StandInRecord, type WireFormat } from './embedding-stand-in';

/** One answer to force on the next request: an HTTP error (with Retry-After) or a dropped connection. */
export type ScriptedAnswer = { status: number; message?: string; retryAfter?: string } | { drop: true };

export interface OpenAICompatibleServerOptions {
  /** Vector size when the request has no `dimensions` and its model is not in `modelDimensions`; default 16. */
  dimensions?: number;
  /** Native sizes by model name, answered when the request has no `dimensions` (as the real API does). */
  modelDimensions?: Readonly<Record<string, number>>;
  /** Wait before answering each request, to make concurrency observable; default 0. */
  delayMs?: number;
  /** More inputs in one request answer 400, as OpenAI does past 2048; default 2048. */
  maxInputsPerRequest?: number;
  /** A request with an input longer than this answers 400, as OpenAI does past a model's context length; default no limit. */
  maxInputChars?: number;
  /** When set, requests without `Authorization: Bearer <apiKey>` answer 401. */
  apiKey?: string;
  /** Answers forced on the first requests, in arrival order; later ones embed normally. */
  script?: ScriptedAnswer[];
  /** Return `data` in reverse order (each item keeps its true `index`). */
  reverseData?: boolean;
  /** Default 0: any free port. */
  port?: number;
  /** Keep every request in `requests`; default true. */
  keepRequests?: boolean;
  /** Called with each request once it is answered or dropped. */
  onAnswered?(request: RecordedRequest): void;
}

export interface RecordedRequest extends StandInRecord {
  model: unknown;
  dimensions: unknown;
}

export interface OpenAICompatibleServer {
  /** The API root to use as baseURL, e.g. http://127.0.0.1:PORT/v1 */
  baseURL: string;
  readonly requests: RecordedRequest[];
  /** Requests being handled right now, and the most at one moment. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Queue more forced answers. */
  script(...answers: ScriptedAnswer[]): void;
  /** Requests that arrive from now on wait until release(). */
  hold(): void;
  /** Lets every waiting and later request through. */
  release(): void;
  /** Requests waiting for release() right now. */
  readonly waiting: number;
  close(): Promise<void>;
}

type EmbeddingsRequest = { model?: unknown; input?: unknown; dimensions?: unknown; encoding_format?: unknown };

/**
 * A small OpenAI-compatible `/embeddings` server on 127.0.0.1 with deterministic vectors
 * (fakeEmbedding), for tests and benchmarks of anything that talks to an embeddings endpoint.
 */
export async function startOpenAICompatibleServer(options: OpenAICompatibleServerOptions = {}): Promise<OpenAICompatibleServer> {
  const defaultDimensions = options.dimensions ?? 16;
  const maxInputs = options.maxInputsPerRequest ?? 2048;
  const error = (status: number, message: string) => ({ error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'invalid_request_error', code: null } });

  const openai: WireFormat<RecordedRequest, Exclude<ScriptedAnswer, { drop: true }>, EmbeddingsRequest> = {
    aside(req, res) {
      if (req.method === 'POST' && req.url?.endsWith('/embeddings')) return false;
      req.resume();
      sendJson(res, 404, error(404, `no route ${req.method} ${req.url}`));
      return true;
    },
    record: (common) => ({ ...common, model: undefined, dimensions: undefined }),
    read({ body, record, send }) {
      let parsed: EmbeddingsRequest;
      try {
        parsed = JSON.parse(body);
      } catch {
        return void send(400, error(400, 'body is not JSON'));
      }
      const inputs = typeof parsed.input === 'string' ? [parsed.input] : parsed.input;
      if (Array.isArray(inputs)) record.inputs = inputs.map(String);
      record.model = parsed.model;
      record.dimensions = parsed.dimensions;
      return parsed;
    },
    fail: ({ send }, forced) =>
      send(forced.status, error(forced.status, forced.message ?? `scripted ${forced.status}`), forced.retryAfter ? { 'retry-after': forced.retryAfter } : {}),
    answer({ req, send }, parsed) {
      const fail = (status: number, message: string) => send(status, error(status, message));
      const inputs = typeof parsed.input === 'string' ? [parsed.input] : parsed.input;
      if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) return fail(401, 'Incorrect API key provided');
      if (typeof parsed.model !== 'string' || !parsed.model) return fail(400, "'model' is required");
      if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((t) => typeof t === 'string' && t !== '')) {
        return fail(400, "'input' must be a non-empty string or an array of non-empty strings");
      }
      if (inputs.length > maxInputs) return fail(400, `'input' has ${inputs.length} items, at most ${maxInputs} are allowed`);
      const tooLong = inputs.findIndex((text: string) => text.length > (options.maxInputChars ?? Infinity));
      if (tooLong >= 0) return fail(400, `'input[${tooLong}]' is too long: ${inputs[tooLong].length} characters, at most ${options.maxInputChars} are allowed`);
      const dimensions = parsed.dimensions === undefined ? (options.modelDimensions?.[parsed.model] ?? defaultDimensions) : Number(parsed.dimensions);
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
    },
  };

  const core = await startEmbeddingStandIn(openai, options);
  return Object.assign(core, { baseURL: `http://127.0.0.1:${core.port}/v1` });
}

/** As OpenAI answers: a JSON array of numbers, or with `encoding_format: "base64"` the base64 of the float32 values. */
function encodeEmbedding(vector: number[], format: unknown): number[] | string {
  return format === 'base64' ? Buffer.from(Float32Array.from(vector).buffer).toString('base64') : vector;
}
