// The module every pool thread starts: it loads the pool's module (the thread's last argument)
// and hands it each task. A module that fails to load must not fail the thread's start: piscina
// then stops replacing threads, leaves queued tasks waiting for good, and, when no task was there
// to fail, throws the error at the pool's process. Here the thread starts, and the first task it
// is given ends it with the cause (ending it, not answering, keeps it from taking another task);
// the task fails with that error and piscina replaces the thread. Plain JavaScript, so a thread
// whose module needs no compiling starts without a TypeScript loader.
const file = process.argv.at(-1) ?? '';

/** MODULE_LOAD_FAILED in module-load-error.ts, which the pool's side reads. */
const MODULE_LOAD_FAILED = 'ERR_WORKER_POOL_MODULE_LOAD';

function load() {
  try {
    const loaded = require(file);
    const handler = typeof loaded === 'function' ? loaded : loaded.default;
    return typeof handler === 'function' ? handler : { loadFailure: 'it exports no function' };
  } catch (error) {
    return { loadFailure: error instanceof Error ? error.message : String(error) };
  }
}

const handler = load();

module.exports = function runTask(task) {
  if (typeof handler === 'function') return handler(task);
  const error = Object.assign(new Error(`a worker thread could not load ${file}: ${handler.loadFailure}`), { code: MODULE_LOAD_FAILED });
  queueMicrotask(() => {
    throw error;
  });
  return new Promise(() => undefined);
};
