export { ConcurrencyLimit } from './concurrency-limit';
export { WorkerPool, WorkerPoolClosedError, type RunOptions, type WorkerPoolOptions } from './worker-pool';
export { WorkerModuleLoadError } from './module-load-error';
