import { endianness } from 'node:os';
import { EmbeddingResponseError } from '../errors';

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * The vectors of an OpenAI `/embeddings` answer, in input order (placed by each item's `index`,
 * which the API defines as the position of its input). An embedding is either a JSON array of
 * numbers or, as asked with `encoding_format: "base64"`, the base64 of its float32 values (little
 * endian): a quarter of the bytes, and no number to parse. Endpoints that ignore the request and
 * send arrays are read as well.
 */
export function vectorsFromResponse(body: string, inputCount: number): Float32Array[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw malformed(`the body is not JSON: ${excerpt(body)}`);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw malformed('it has no `data` array');
  if (data.length !== inputCount) throw malformed(`it has ${data.length} vectors for ${inputCount} inputs`);

  const vectors: Float32Array[] = new Array(inputCount);
  data.forEach((item: { index?: unknown; embedding?: unknown }, position) => {
    const index = item?.index ?? position;
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= inputCount || vectors[index as number]) {
      throw malformed(`item ${position} has a missing, repeated or out-of-range index (${String(index)})`);
    }
    const vector = embeddingOf(item?.embedding);
    if (!vector) throw malformed(`item ${position} has no \`embedding\` of finite numbers (a JSON array, or base64 of float32 values)`);
    vectors[index as number] = vector;
  });
  return vectors;
}

function embeddingOf(embedding: unknown): Float32Array | null {
  let vector: Float32Array;
  if (typeof embedding === 'string') {
    const bytes = Buffer.from(embedding, 'base64');
    if (bytes.length === 0 || bytes.length % 4 !== 0) return null;
    vector = new Float32Array(bytes.length / 4);
    if (LITTLE_ENDIAN) {
      new Uint8Array(vector.buffer).set(bytes); // copied out: a Float32Array needs its own aligned buffer
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(i * 4, true);
    }
  } else if (Array.isArray(embedding) && embedding.length > 0 && embedding.every((x) => typeof x === 'number')) {
    vector = Float32Array.from(embedding as number[]);
  } else {
    return null;
  }
  for (let i = 0; i < vector.length; i++) if (!Number.isFinite(vector[i])) return null;
  return vector;
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
