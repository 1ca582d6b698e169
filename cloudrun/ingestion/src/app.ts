import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Pool } from 'pg';
import type { DestinationStream } from 'pino';
import type { Storage } from '@google-cloud/storage';
import { cloudLoggingOptions, httpRequestEntry, traceFromHeaders, traceLogFields } from '@docingest/cloud-logging';
import { ErrorBodySchema, validatorFor } from '@docingest/contracts';
import { AuthError, requireCaller, type CredentialVerifier, type OutboundAuth } from '@docingest/service-auth';
import type { VectorStore } from '@docingest/vector-store';
import type { IngestionConfig } from './config';
import type { EmbedderRegistry } from './embedder-registry';
import { IngestionError, errorBody } from './errors';
import { InflightIngestions } from './inflight';
import { CallbackClient } from './progress/callback-client';
import { registerHealthRoutes } from './routes/health.route';
import { registerIngestFileRoute } from './routes/ingest-file.route';
import { registerDeleteVectorsRoute } from './routes/delete-vectors.route';
import { registerSearchRoute } from './routes/search.route';

export interface AppDeps {
  config: IngestionConfig;
  pool: Pool;
  storage: Storage;
  embedders: EmbedderRegistry;
  vectors: VectorStore;
  verifier: CredentialVerifier;
  outboundAuth: OutboundAuth;
  /** Where the JSON log lines go; stdout unless a test reads them. */
  logDestination?: DestinationStream;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without credentials (health checks only). */
    public?: boolean;
  }
}

/** Fastify's own errors, by code, as the status and message a caller can act on. */
function frameworkError(error: FastifyError, bodyLimit: number): { statusCode: number; message: string; code: string } | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { statusCode: 413, code: 'body_too_large', message: `the request body is larger than ${bodyLimit} bytes` };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { statusCode: 400, code: 'malformed_json', message: `the request body is not valid JSON: ${error.message}` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { statusCode: 415, code: 'unsupported_media_type', message: 'send the body as application/json' };
    default:
      return null;
  }
}

export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; inflight: InflightIngestions }> {
  const { config } = deps;
  const app = Fastify({
    logger: { ...cloudLoggingOptions({ service: 'ingestion', level: config.LOG_LEVEL }), ...(deps.logDestination ? { stream: deps.logDestination } : {}) },
    // Every line about a request carries its trace, so Cloud Logging shows them under it.
    childLoggerFactory: (logger, bindings, options, raw) =>
      logger.child({ ...bindings, ...traceLogFields(traceFromHeaders(raw.headers), config.GOOGLE_CLOUD_PROJECT || undefined) }, options),
    // Requests are logged by the onResponse hook below, with Cloud Logging's httpRequest.
    disableRequestLogging: true,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // The pipeline runs inside the request: Cloud Run's request timeout is the limit, not Node's.
    requestTimeout: 0,
    connectionTimeout: 0,
    ajv: { customOptions: { removeAdditional: false } },
  });
  const inflight = new InflightIngestions();

  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    if (status < 400 && !config.REQUEST_LOGS) return;
    const entry = httpRequestEntry({
      method: request.method,
      url: request.url,
      status,
      latencyMs: reply.elapsedTime,
      userAgent: request.headers['user-agent'],
      remoteIp: request.ip,
      responseBytes: reply.getHeader('content-length') as string | number | undefined,
      httpVersion: request.raw.httpVersion,
    });
    request.log[status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info'](entry, `${request.method} ${request.url} ${status}`);
  });

  // Bodies are checked by the contract's own validator, so both services word errors the same.
  app.setValidatorCompiler(({ schema }) => {
    const validate = validatorFor(schema as never);
    return (data: unknown) => {
      const result = validate(data);
      if (result.ok) return { value: result.value };
      return { error: Object.assign(new Error(result.message), { validation: result.errors }) };
    };
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'ingestion service', version: '1.0.0', description: 'Ingests files from GCS into pgvector.' },
      components: {
        securitySchemes: {
          systemKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Api-Key <SYSTEM_API_KEY>' },
          googleIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
      security: [{ systemKey: [] }, { googleIdToken: [] }],
    },
  });

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return;
    await requireCaller(deps.verifier, request.headers.authorization, 'system');
  });

  app.setErrorHandler((error: FastifyError & { validation?: Array<{ field: string }> }, request, reply) => {
    if (error instanceof AuthError) return reply.code(error.statusCode).send(errorBody(error));
    if (error instanceof IngestionError) return reply.code(error.statusCode).send(errorBody(error));
    if (error.validation) {
      const body = { ...errorBody({ statusCode: 400, message: error.message, code: 'invalid_request' }), field: error.validation[0]?.field };
      return reply.code(400).send(body);
    }
    const known = frameworkError(error, config.BODY_LIMIT_BYTES);
    if (known) return reply.code(known.statusCode).send(errorBody(known));
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(errorBody({ statusCode: 500, message: 'internal error', code: 'internal' }));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody({ statusCode: 404, message: `no route ${request.method} ${request.url}`, code: 'not_found' })),
  );

  const callbacks = new CallbackClient(config.API_URL, deps.outboundAuth);
  registerHealthRoutes(app, deps.pool);
  registerIngestFileRoute(app, { ...deps, callbacks, inflight });
  registerDeleteVectorsRoute(app, deps.vectors);
  registerSearchRoute(app, deps);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.addSchema({ ...ErrorBodySchema, $id: 'ErrorBody' });
  return { app, inflight };
}
