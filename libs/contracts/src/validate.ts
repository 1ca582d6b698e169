import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';

/** One problem with a request body, naming the field at fault. */
export interface FieldError {
  field: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[]; message: string };

// Defaults are applied, types are never coerced, unknown fields are errors (not silently dropped).
const ajv = addFormats(new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, removeAdditional: false, strict: false }));

function fieldOf(error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (error.keyword === 'required') return [path, error.params.missingProperty].filter(Boolean).join('.');
  if (error.keyword === 'additionalProperties') return [path, error.params.additionalProperty].filter(Boolean).join('.');
  return path || '(body)';
}

function describe(error: ErrorObject): string {
  const field = fieldOf(error);
  switch (error.keyword) {
    case 'required':
      return `missing required field '${field}'`;
    case 'additionalProperties':
      return `unknown field '${field}'`;
    case 'type':
      return `field '${field}' must be ${error.params.type}`;
    case 'format':
      return `field '${field}' must be a valid ${error.params.format}`;
    case 'pattern':
      return `field '${field}' has an invalid value (must match ${error.params.pattern})`;
    default:
      return `field '${field}' ${error.message}`;
  }
}

/** Keep one message per field: a union failing reports every branch, which helps nobody. */
function summarise(errors: ErrorObject[]): FieldError[] {
  const byField = new Map<string, FieldError>();
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'const') continue;
    const field = fieldOf(error);
    if (!byField.has(field)) byField.set(field, { field, message: describe(error) });
  }
  if (byField.size === 0 && errors.length) {
    const first = errors[0];
    byField.set(fieldOf(first), { field: fieldOf(first), message: `field '${fieldOf(first)}' has an invalid value` });
  }
  return [...byField.values()];
}

const cache = new WeakMap<TSchema, ValidateFunction>();

/** Compiles a contract schema once and validates (and fills defaults into) a copy of the input. */
export function validatorFor<T>(schema: TSchema): (input: unknown) => ValidationResult<T> {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  const validate = fn;
  return (input: unknown) => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, errors: [{ field: '(body)', message: 'body must be a JSON object' }], message: 'body must be a JSON object' };
    }
    const value = structuredClone(input) as T;
    if (validate(value)) return { ok: true, value };
    const errors = summarise(validate.errors ?? []);
    return { ok: false, errors, message: errors.map((e) => e.message).join('; ') };
  };
}
