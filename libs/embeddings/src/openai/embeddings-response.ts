import { EmbeddingResponseError } from '../errors';

/**
 * The vectors of an OpenAI `/embeddings` answer, in input order (placed by each item's `index`,
 * which the API defines as the position of its input).
 */
export function vectorsFromResponse(body: string, inputCount: number): number[][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw malformed(`the body is not JSON: ${excerpt(body)}`);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw malformed('it has no `data` array');
  if (data.length !== inputCount) throw malformed(`it has ${data.length} vectors for ${inputCount} inputs`);

  const vectors: number[][] = new Array(inputCount);
  data.forEach((item: { index?: unknown; embedding?: unknown }, position) => {
    const index = item?.index ?? position;
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= inputCount || vectors[index as number]) {
      throw malformed(`item ${position} has a missing, repeated or out-of-range index (${String(index)})`);
    }
    const embedding = item?.embedding;
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw malformed(`item ${position} has no numeric \`embedding\` array (a base64 encoding_format is not supported)`);
    }
    vectors[index as number] = embedding;
  });
  return vectors;
}

/** The human-readable reason in an error body: OpenAI's `{error:{message}}`, else the text itself. */
export function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const candidate = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message ?? parsed.detail);
    if (typeof candidate === 'string' && candidate) return candidate;
  } catch {
    // not JSON: fall through to the raw text
  }
  return excerpt(body) || '(empty body)';
}

function malformed(reason: string): EmbeddingResponseError {
  return new EmbeddingResponseError('openai', `the embeddings endpoint answered 200 but ${reason}`);
}

function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 300 ? `${trimmed.slice(0, 300)}…` : trimmed;
}
