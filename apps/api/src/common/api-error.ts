import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { ErrorBody } from '@docingest/contracts';

/** An error answered as the contract's ErrorBody, with a stable code and the field at fault. */
export class ApiError extends HttpException {
  constructor(statusCode: number, message: string, options: { code?: string; field?: string } = {}) {
    const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
    if (options.code) body.code = options.code;
    if (options.field) body.field = options.field;
    super(body, statusCode);
  }
}
