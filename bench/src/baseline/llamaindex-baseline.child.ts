import { Storage } from '@google-cloud/storage';
import { Settings } from 'llamaindex';
import { createEmbedder, toLlamaIndexEmbedding, type Embedder } from '@docingest/embeddings';
import { localStorageOptions } from '@docingest/local-gcs';
import { BASELINE_CONFIG_ENV, type BaselineConfig, type BaselineMessage, type BaselineRunRequest } from './baseline-protocol';
import { instrumentEmbedding, runBaseline } from './llamaindex-ingest';

// The LlamaIndex baseline in its own process, so its memory and CPU are measured apart from the
// benchmark's servers, as the service's are. Runs are requested over the IPC channel; the process
// ends when the benchmark disconnects (or dies).

function send(message: BaselineMessage): void {
  process.send?.(message);
}

function embedderFor(config: BaselineConfig['embedder']): Embedder {
  // The same settings the service's EmbedderRegistry uses for the same provider.
  if (config.provider === 'openai') {
    return createEmbedder({ provider: 'openai', model: config.model, baseURL: config.baseURL, apiKey: config.apiKey, maxInFlight: config.maxInFlight });
  }
  return createEmbedder({ provider: 'local', workers: config.workers || undefined });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env[BASELINE_CONFIG_ENV] ?? '{}') as BaselineConfig;
  const storage = new Storage(localStorageOptions(config.gcsUrl));
  const embedder = embedderFor(config.embedder);
  await embedder.warmUp();
  // As a LlamaIndex user plugs in an embedding model: globally, with LlamaIndex's own batch size.
  const model = toLlamaIndexEmbedding(embedder);
  instrumentEmbedding(model);
  Settings.embedModel = model;

  let queue = Promise.resolve();
  process.on('message', (message: BaselineRunRequest) => {
    if (message?.type !== 'run') return;
    queue = queue.then(async () => {
      try {
        send({ type: 'done', outcome: await runBaseline(storage, config.databaseUrl, message) });
      } catch (error) {
        send({ type: 'error', message: (error as Error).stack ?? String(error) });
      }
    });
  });
  process.on('disconnect', () => {
    void embedder.close().finally(() => process.exit(0));
  });
  send({ type: 'ready' });
}

main().catch((error) => {
  send({ type: 'error', message: (error as Error).stack ?? String(error) });
  process.exit(1);
});
