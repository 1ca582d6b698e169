import { VERTEX_EMBEDDING_MODELS, VERTEX_MAX_TOKENS_PER_REQUEST, VERTEX_MAX_TOKENS_PER_TEXT } from '@docingest/contracts';
import { countTokens } from 'gpt-tokenizer';
import { fakeEmbedding, sendJson, startEmbeddingStandIn, type StandInRecord, type WireFormat } from './embedding-stand-in';

/** One answer forced on the next `:predict` request: a Google API error, or a dropped connection. */
export type VertexScriptedAnswer = { status: number; googleStatus?: string; message?: string; retryDelay?: string } | { drop: true };

export interface VertexAIServerOptions {
  /** Wait before answering each `:predict` request, to make concurrency observable; default 0. */
  delayMs?: number;
  /** Answers forced on the first `:predict` requests, in arrival order. */
  script?: VertexScriptedAnswer[];
  /** Default 0: any free port. */
  port?: number;
}

export interface VertexRecordedRequest extends StandInRecord {
  path: string;
  model: string;
  taskTypes: unknown[];
  outputDimensionality: unknown;
  autoTruncate: unknown;
}

export interface VertexAIServer {
  /** Base URL for the client's apiEndpoint, e.g. http://127.0.0.1:PORT/ */
  apiEndpoint: string;
  /** host:port for GCE_METADATA_HOST: Application Default Credentials get their token here, as on Cloud Run. */
  metadataHost: string;
  readonly requests: VertexRecordedRequest[];
  /** Access tokens handed out by the metadata endpoint. */
  readonly tokensIssued: number;
  readonly maxInFlight: number;
  script(...answers: VertexScriptedAnswer[]): void;
  close(): Promise<void>;
}

type PredictRequest = { instances?: Array<{ content?: unknown; task_type?: unknown }>; parameters?: { outputDimensionality?: unknown; autoTruncate?: unknown } };

const PREDICT = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):predict$/;

/**
 * Vertex AI's `:predict` endpoint for the text-embedding models, and the metadata server's token
 * endpoint, on 127.0.0.1: what the official client and Application Default Credentials talk to
 * on Cloud Run. Enforces the limits Vertex AI sets (texts and tokens per request, tokens per
 * text, sizes) with Google's error body, and only accepts the tokens it issued.
 */
export async function startVertexAIServer(options: VertexAIServerOptions = {}): Promise<VertexAIServer> {
  const issued = new Set<string>();
  const error = (status: number, googleStatus: string, message: string, details?: unknown[]) => ({
    error: { code: status, message, status: googleStatus, ...(details ? { details } : {}) },
  });

  const vertex: WireFormat<VertexRecordedRequest, Exclude<VertexScriptedAnswer, { drop: true }>, PredictRequest> = {
    aside(req, res, url) {
      if (url.pathname.startsWith('/computeMetadata/v1')) {
        if (req.headers['metadata-flavor'] !== 'Google') res.writeHead(403).end('Missing Metadata-Flavor:Google header.');
        else if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
          const token = `ya29.stand-in-${issued.size + 1}`;
          issued.add(token);
          sendJson(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' }, { 'Metadata-Flavor': 'Google' });
        } else res.writeHead(200, { 'Metadata-Flavor': 'Google' }).end('');
        return true;
      }
      if (req.method === 'POST' && PREDICT.test(url.pathname)) return false;
      req.resume();
      sendJson(res, 404, error(404, 'NOT_FOUND', `no route ${req.method} ${url.pathname}`));
      return true;
    },
    record: (common, _req, url) => ({
      ...common,
      path: url.pathname,
      model: PREDICT.exec(url.pathname)?.[3] ?? '',
      taskTypes: [],
      outputDimensionality: undefined,
      autoTruncate: undefined,
    }),
    read({ body: text, record, send }) {
      let body: PredictRequest;
      try {
        body = JSON.parse(text);
      } catch {
        return void send(400, error(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'));
      }
      const instances = Array.isArray(body.instances) ? body.instances : [];
      record.inputs = instances.map((i) => String(i?.content));
      record.taskTypes = instances.map((i) => i?.task_type);
      record.outputDimensionality = body.parameters?.outputDimensionality;
      record.autoTruncate = body.parameters?.autoTruncate;
      return body;
    },
    fail({ send }, forced) {
      const details = forced.retryDelay ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: forced.retryDelay }] : undefined;
      send(forced.status, error(forced.status, forced.googleStatus ?? 'INTERNAL', forced.message ?? `scripted ${forced.status}`, details));
    },
    answer({ req, url, record, send }, body) {
      const fail = (status: number, googleStatus: string, message: string) => send(status, error(status, googleStatus, message));
      const instances = Array.isArray(body.instances) ? body.instances : [];
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !issued.has(token)) return fail(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
      const model = VERTEX_EMBEDDING_MODELS[record.model];
      const [, project, location] = PREDICT.exec(url.pathname) ?? [];
      if (!model) return fail(404, 'NOT_FOUND', `Publisher Model \`projects/${project}/locations/${location}/publishers/google/models/${record.model}\` was not found.`);
      if (instances.length === 0 || !instances.every((i) => typeof i?.content === 'string' && i.content !== '')) {
        return fail(400, 'INVALID_ARGUMENT', 'Each instance needs a non-empty `content` string.');
      }
      if (instances.length > model.maxTextsPerRequest) {
        return fail(
          400,
          'INVALID_ARGUMENT',
          `Unable to submit request because the model supports up to ${model.maxTextsPerRequest} instances per request, got ${instances.length}.`,
        );
      }
      const counts = record.inputs.map((text) => countTokens(text));
      if (body.parameters?.autoTruncate === false && counts.some((count) => count > VERTEX_MAX_TOKENS_PER_TEXT)) {
        return fail(
          400,
          'INVALID_ARGUMENT',
          `Unable to submit request because the input token count is more than ${VERTEX_MAX_TOKENS_PER_TEXT} and autoTruncate is false.`,
        );
      }
      const total = counts.reduce((sum, count) => sum + Math.min(count, VERTEX_MAX_TOKENS_PER_TEXT), 0);
      if (total > VERTEX_MAX_TOKENS_PER_REQUEST) {
        return fail(
          400,
          'INVALID_ARGUMENT',
          `Unable to submit request because the input token count is ${total} but the model supports up to ${VERTEX_MAX_TOKENS_PER_REQUEST}.`,
        );
      }
      const asked = body.parameters?.outputDimensionality;
      const dimensions = asked === undefined ? model.dimensions : Number(asked);
      if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > model.dimensions) {
        return fail(400, 'INVALID_ARGUMENT', `outputDimensionality must be between 1 and ${model.dimensions}.`);
      }
      send(200, {
        predictions: record.inputs.map((text, index) => ({
          embeddings: { values: fakeEmbedding(text, dimensions), statistics: { token_count: counts[index], truncated: false } },
        })),
        metadata: { billableCharacterCount: record.inputs.reduce((sum, text) => sum + text.length, 0) },
      });
    },
  };

  const core = await startEmbeddingStandIn(vertex, options);
  const server = Object.assign(core, { apiEndpoint: `http://127.0.0.1:${core.port}/`, metadataHost: `127.0.0.1:${core.port}` });
  return Object.defineProperty(server, 'tokensIssued', { get: () => issued.size }) as typeof server & { readonly tokensIssued: number };
}
