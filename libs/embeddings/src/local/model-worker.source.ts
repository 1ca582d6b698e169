/**
 * The code each worker thread runs, as plain JavaScript started with `new Worker(source, { eval: true })`.
 *
 * Why a string and not a worker file: a .ts worker cannot start under Jest or from sources
 * without a loader in the thread, and a separate .js file is lost by tsc (no allowJs) and by
 * bundlers unless copied as an asset. A string travels with this module wherever it goes.
 * It needs nothing but absolute module paths, resolved by the main thread (workerData).
 *
 * Protocol: worker → main `ready` | `load-failed` once, then one `embedded` | `embed-failed`
 * per `embed` message. One batch at a time per worker.
 */
export const MODEL_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');

function messageOf(error) {
  return error && error.message ? error.message : String(error);
}

async function loadModel() {
  if (workerData.loaderModule) return require(workerData.loaderModule).loadModel();
  const { initModel } = require(workerData.embeddingsModule);
  const { modelSource } = require(workerData.modelModule);
  // Always the bundled weights: initModel() without a source downloads from tfhub.dev.
  return initModel(modelSource);
}

// Rows scaled to unit length, packed into one transferable buffer.
function packUnitRows(rows, dimensions) {
  const packed = new Float32Array(rows.length * dimensions);
  rows.forEach((row, r) => {
    if (row.length !== dimensions) throw new Error('the model returned ' + row.length + ' dimensions, expected ' + dimensions);
    let sum = 0;
    for (let i = 0; i < dimensions; i++) sum += row[i] * row[i];
    const norm = Math.sqrt(sum);
    if (!(norm > 0) || !Number.isFinite(norm)) throw new Error('the model returned a zero or non-finite vector for text ' + r);
    for (let i = 0; i < dimensions; i++) packed[r * dimensions + i] = row[i] / norm;
  });
  return packed;
}

loadModel().then(
  (model) => {
    parentPort.on('message', async (message) => {
      try {
        const rows = await model.embed(message.texts);
        if (!Array.isArray(rows) || rows.length !== message.texts.length) {
          throw new Error('the model returned ' + (rows && rows.length) + ' vectors for ' + message.texts.length + ' texts');
        }
        const vectors = packUnitRows(rows, workerData.dimensions);
        parentPort.postMessage({ type: 'embedded', vectors }, [vectors.buffer]);
      } catch (error) {
        parentPort.postMessage({ type: 'embed-failed', message: messageOf(error) });
      }
    });
    parentPort.postMessage({ type: 'ready' });
  },
  (error) => parentPort.postMessage({ type: 'load-failed', message: messageOf(error) }),
);
`;

export interface ModelWorkerData {
  dimensions: number;
  embeddingsModule: string;
  modelModule: string;
  /** Test seam: a module exporting `loadModel(): Promise<{ embed(texts): Promise<number[][]> }>`. */
  loaderModule?: string;
}

export type ModelWorkerMessage =
  { type: 'ready' } | { type: 'load-failed'; message: string } | { type: 'embedded'; vectors: Float32Array } | { type: 'embed-failed'; message: string };
