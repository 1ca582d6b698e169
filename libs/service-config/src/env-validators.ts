import { makeValidator } from 'envalid';

export const positiveInt = makeValidator<number>((input) => {
  const value = Number(input);
  if (!Number.isInteger(value) || value < 1) throw new Error('must be a positive integer');
  return value;
});

export const nonNegativeInt = makeValidator<number>((input) => {
  const value = Number(input);
  if (!Number.isInteger(value) || value < 0) throw new Error('must be a non-negative integer');
  return value;
});

/** A whole number from `min` to `max`, both included. */
export function intInRange(min: number, max: number) {
  return makeValidator<number>((input) => {
    const value = Number(input);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`must be a whole number from ${min} to ${max}`);
    return value;
  });
}

/** A comma-separated list; blanks dropped. */
export const list = makeValidator<string[]>((input) =>
  String(input)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
