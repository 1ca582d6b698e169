import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { AuthError } from '@docingest/service-auth';

/** The one place errors become HTTP answers: always the contract's ErrorBody. */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof AuthError) {
      response.status(exception.statusCode).json({ statusCode: exception.statusCode, error: STATUS_CODES[exception.statusCode], message: exception.message });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const body: Record<string, unknown> = typeof raw === 'object' && raw !== null ? { ...raw } : { message: String(raw) };
      const message = Array.isArray(body.message) ? body.message.join('; ') : typeof body.message === 'string' ? body.message : exception.message;
      response.status(status).json({ ...body, statusCode: status, error: STATUS_CODES[status] ?? 'Error', message });
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    response.status(500).json({ statusCode: 500, error: 'Internal Server Error', message: 'internal error', code: 'internal' });
  }
}
