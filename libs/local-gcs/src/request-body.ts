import type { IncomingMessage } from 'node:http';
import { badRequest, GcsHttpError } from './gcs-errors';

const MAX_JSON_BYTES = 1024 * 1024;

/** Reads a small body whole; JSON bodies (resources) are small, object bytes never come here. */
export async function readSmallBody(source: AsyncIterable<Buffer>, limit = MAX_JSON_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > limit) throw new GcsHttpError(413, 'requestTooLarge', `the JSON body is over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Parses a JSON object body; an empty body is `{}`. */
export function parseJsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  const text = bytes.toString('utf8').trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

export async function readJsonObject(req: IncomingMessage, what: string): Promise<Record<string, unknown>> {
  return parseJsonObject(await readSmallBody(req), what);
}
