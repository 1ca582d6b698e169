import { type PipeTransform } from '@nestjs/common';
import type { TSchema } from '@sinclair/typebox';
import { validatorFor } from '@docingest/contracts';
import { ApiError } from './api-error';

/** Validates a body against a schema, answering 400 with the field at fault. */
export class ContractBody<T> implements PipeTransform<unknown, T> {
  private readonly validate: (input: unknown) => ReturnType<ReturnType<typeof validatorFor<T>>>;

  constructor(schema: TSchema) {
    this.validate = validatorFor<T>(schema);
  }

  transform(value: unknown): T {
    const result = this.validate(value);
    if (result.ok) return result.value;
    throw new ApiError(400, result.message, { code: 'invalid_request', field: result.errors[0]?.field });
  }
}
