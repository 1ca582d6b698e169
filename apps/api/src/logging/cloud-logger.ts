import { cloudLoggingOptions, httpRequestEntry, traceLogFields } from '@docingest/cloud-logging';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger, type Params } from 'nestjs-pino';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import type { ApiConfig } from '../config/api-config';
import { requestTrace } from './request-trace';

/** The api's LOG_LEVEL names (Nest's) as pino's. */
const PINO_LEVEL: Record<string, string> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/** The api's root logger: JSON lines for Cloud Logging on stdout. */
export function apiRootLogger(config: Pick<ApiConfig, 'LOG_LEVEL'>, destination?: DestinationStream): Pino {
  const options = cloudLoggingOptions({ service: 'api', level: PINO_LEVEL[config.LOG_LEVEL] ?? 'info' });
  return destination ? pino(options, destination) : pino(options);
}

/**
 * nestjs-pino's settings: every line logged while a request is handled carries the request's
 * trace (Cloud Logging groups them under it; one is made for a request that came without), and a request is logged with `httpRequest` when it
 * fails, or always with REQUEST_LOGS.
 */
export function apiLoggerParams(config: Pick<ApiConfig, 'LOG_LEVEL' | 'REQUEST_LOGS' | 'GOOGLE_CLOUD_PROJECT'>, logger: Pino = apiRootLogger(config)): Params {
  const request = (req: IncomingMessage, res: ServerResponse, responseTime: number) =>
    httpRequestEntry({
      method: req.method ?? '',
      url: (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '',
      status: res.statusCode,
      latencyMs: responseTime,
      userAgent: req.headers['user-agent'],
      remoteIp: req.socket?.remoteAddress,
      responseBytes: res.getHeader('content-length') as string | number | undefined,
      httpVersion: req.httpVersion,
    });
  return {
    pinoHttp: {
      logger,
      quietReqLogger: true,
      // Without it every request line carries the whole request, its Authorization header and
      // session cookie included; httpRequest says what Cloud Logging needs.
      quietResLogger: true,
      customProps: (req) => traceLogFields(requestTrace(req), config.GOOGLE_CLOUD_PROJECT || undefined),
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : config.REQUEST_LOGS ? 'info' : 'silent'),
      customSuccessMessage: (req, res) => `${req.method} ${(req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode}`,
      customErrorMessage: (req, res) => `${req.method} ${(req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode}`,
      customSuccessObject: (req, res, value: { responseTime?: number }) => request(req, res, value.responseTime ?? 0),
      customErrorObject: (req, res, error, value: { responseTime?: number }) => ({ ...request(req, res, value.responseTime ?? 0), err: error }),
    },
  };
}

/**
 * Nest's Logger as pino lines. Call sites that log `JSON.stringify({event, ...})` (written for
 * Nest's console logger) become fields, not a string inside `message`.
 */
export class CloudLogger extends Logger {
  log(message: unknown, ...params: unknown[]): void {
    super.log(fields(message), ...params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    super.warn(fields(message), ...params);
  }
  error(message: unknown, ...params: unknown[]): void {
    super.error(fields(message), ...params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    super.debug(fields(message), ...params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    super.verbose(fields(message), ...params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    super.fatal(fields(message), ...params);
  }
}

function fields(message: unknown): unknown {
  if (typeof message !== 'string' || !message.startsWith('{')) return message;
  try {
    const parsed: unknown = JSON.parse(message);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : message;
  } catch {
    return message;
  }
}
