import type { EmbeddingProvider, EmbedOptions } from './embedder';
import { EmbeddingAbortedError, EmbeddingConfigError, EmbeddingInputError, EmbeddingResponseError } from './errors';

/** Embeds one batch; `batchSize` is the caller's limit on texts per request (a runner may merge batches up to it). */
export type BatchRunner<V> = (texts: string[], signal: AbortSignal, batchSize: number) => Promise<V[]>;

export interface BatchPlan {
  provider: EmbeddingProvider;
  batchSize: number;
  /** Batches of this call started at once; the provider's own limit (pool size, maxInFlight) still applies across calls. */
  lanes: number;
}

/**
 * Splits texts into batches, runs them through `lanes` parallel loops and returns the vectors in
 * input order. The first failure (or the caller's abort) stops the other loops from starting
 * more batches and cancels what they are waiting for.
 */
export async function embedInBatches<V>(texts: readonly string[], plan: BatchPlan, runBatch: BatchRunner<V>, options: EmbedOptions = {}): Promise<V[]> {
  const { provider } = plan;
  const batchSize = options.batchSize ?? plan.batchSize;
  assertPositiveInteger(provider, 'batchSize', batchSize);
  assertEmbeddableTexts(provider, texts);
  const outer = options.signal;
  if (outer?.aborted) throw new EmbeddingAbortedError(provider, outer.reason);
  if (texts.length === 0) return [];

  const batches = splitIntoBatches(texts, batchSize);
  const results: V[][] = new Array(batches.length);
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });

  let next = 0;
  let done = 0;
  const lane = async () => {
    while (!stop.signal.aborted && next < batches.length) {
      const index = next++;
      const batch = batches[index];
      const vectors = await runBatch(batch, stop.signal, batchSize);
      if (vectors.length !== batch.length) {
        throw new EmbeddingResponseError(provider, `asked for ${batch.length} vectors, got ${vectors.length}`);
      }
      results[index] = vectors;
      done += batch.length;
      options.onProgress?.(done, texts.length);
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(plan.lanes, batches.length) }, lane));
  } catch (error) {
    stop.abort(error);
    if (outer?.aborted) throw new EmbeddingAbortedError(provider, outer.reason);
    throw error;
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
  if (outer?.aborted) throw new EmbeddingAbortedError(provider, outer.reason);
  const vectors: V[] = [];
  for (const batch of results) for (const vector of batch) vectors.push(vector);
  return vectors;
}

export function splitIntoBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}

/** Empty texts make the local model throw and OpenAI answer 400: say which one, before any work. */
function assertEmbeddableTexts(provider: EmbeddingProvider, texts: readonly unknown[]): void {
  if (!Array.isArray(texts)) throw new EmbeddingInputError(provider, -1, 'embed() takes an array of strings');
  texts.forEach((text, index) => {
    if (typeof text !== 'string') {
      throw new EmbeddingInputError(provider, index, `text ${index} is a ${typeof text}, not a string`);
    }
    if (text.trim() === '') {
      throw new EmbeddingInputError(provider, index, `text ${index} is empty: drop empty chunks before embedding`);
    }
  });
}

export function assertPositiveInteger(provider: EmbeddingProvider, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new EmbeddingConfigError(provider, `${name} must be a positive integer, got ${String(value)}`);
  }
}
