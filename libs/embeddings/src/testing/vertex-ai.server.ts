import { VERTEX_EMBEDDING_MODELS, VERTEX_MAX_TOKENS_PER_REQUEST, VERTEX_MAX_TOKENS_PER_TEXT } from '@docingest/contracts';
import { countTokens } from 'gpt-tokenizer';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeEmbedding } from './openai-compatible.server';

/** One answer forced on the next `:predict` request: a Google API error, or a dropped connection. */
export type VertexScriptedAnswer = { status: number; googleStatus?: string; message?: string; retryDelay?: string } | { drop: true };

export interface VertexAIServerOptions {
  /** Wait before answering each `:predict` request, to make concurrency observable; default 0. */
  delayMs?: number;
  /** Answers forced on the first `:predict` requests, in arrival order. */
  script?: VertexScriptedAnswer[];
}

export interface VertexRecordedRequest {
  path: string;
  model: string;
  inputs: string[];
  taskTypes: unknown[];
  outputDimensionality: unknown;
  autoTruncate: unknown;
  authorization: string | undefined;
  receivedAt: number;
  answeredAt?: number;
  outcome: number | 'dropped';
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

/**
 * Vertex AI's `:predict` endpoint for the text-embedding models, and the metadata server's token
 * endpoint, on 127.0.0.1: what the official client and Application Default Credentials talk to
 * on Cloud Run. Enforces the limits Vertex AI sets (texts and tokens per request, tokens per
 * text, sizes) with Google's error body, and only accepts the tokens it issued.
 */
export async function startVertexAIServer(options: VertexAIServerOptions = {}): Promise<VertexAIServer> {
  const script = [...(options.script ?? [])];
  const requests: VertexRecordedRequest[] = [];
  const issued = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (url.pathname.startsWith('/computeMetadata/v1')) {
      if (req.headers['metadata-flavor'] !== 'Google') return void res.writeHead(403).end('Missing Metadata-Flavor:Google header.');
      res.setHeader('Metadata-Flavor', 'Google');
      if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
        const token = `ya29.stand-in-${issued.size + 1}`;
        issued.add(token);
        res.setHeader('content-type', 'application/json');
        return void res.end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
      }
      return void res.end('');
    }

    const route = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):predict$/.exec(url.pathname);
    const fail = (status: number, googleStatus: string, message: string, details?: unknown[]) => {
      record.outcome = status;
      record.answeredAt = performance.now();
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: status, message, status: googleStatus, ...(details ? { details } : {}) } }));
    };
    const record: VertexRecordedRequest = {
      path: url.pathname,
      model: route?.[3] ?? '',
      inputs: [],
      taskTypes: [],
      outputDimensionality: undefined,
      autoTruncate: undefined,
      authorization: req.headers.authorization,
      receivedAt: performance.now(),
      outcome: 0,
    };
    if (req.method !== 'POST' || !route) return fail(404, 'NOT_FOUND', `no route ${req.method} ${url.pathname}`);
    requests.push(record);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once('close', () => inFlight--);

    let body: { instances?: Array<{ content?: unknown; task_type?: unknown }>; parameters?: { outputDimensionality?: unknown; autoTruncate?: unknown } };
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return fail(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const instances = Array.isArray(body.instances) ? body.instances : [];
    record.inputs = instances.map((i) => String(i?.content));
    record.taskTypes = instances.map((i) => i?.task_type);
    record.outputDimensionality = body.parameters?.outputDimensionality;
    record.autoTruncate = body.parameters?.autoTruncate;

    const forced = script.shift();
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    if (res.destroyed) return;
    if (forced && 'drop' in forced) {
      record.outcome = 'dropped';
      req.socket.destroy();
      return;
    }
    if (forced) {
      const details = forced.retryDelay ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: forced.retryDelay }] : undefined;
      return fail(forced.status, forced.googleStatus ?? 'INTERNAL', forced.message ?? `scripted ${forced.status}`, details);
    }

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !issued.has(token)) return fail(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
    const model = VERTEX_EMBEDDING_MODELS[record.model];
    if (!model) return fail(404, 'NOT_FOUND', `Publisher Model \`projects/${route[1]}/locations/${route[2]}/publishers/google/models/${record.model}\` was not found.`);
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

    record.outcome = 200;
    record.answeredAt = performance.now();
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        predictions: record.inputs.map((text, index) => ({
          embeddings: { values: fakeEmbedding(text, dimensions), statistics: { token_count: counts[index], truncated: false } },
        })),
        metadata: { billableCharacterCount: record.inputs.reduce((sum, text) => sum + text.length, 0) },
      }),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    apiEndpoint: `http://127.0.0.1:${port}/`,
    metadataHost: `127.0.0.1:${port}`,
    requests,
    get tokensIssued() {
      return issued.size;
    },
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
