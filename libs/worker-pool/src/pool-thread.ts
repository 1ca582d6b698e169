import { MODULE_LOAD_FAILED } from './module-load-error';

/**
 * The module every pool thread starts: it loads the pool's module (the thread's last argument)
 * and hands it each task. A module that fails to load must not fail the thread's start: piscina
 * then stops replacing threads, leaves queued tasks waiting for good, and, when no task was
 * there to fail, throws the error at the pool's process. Here the thread starts, and the first
 * task it is given ends it with the cause (ending it, not answering, keeps it from taking another
 * task); the task fails with that error and piscina replaces the thread. Never loaded by the
 * pool's own thread (WorkerPool names the file).
 */
type Handler = (task: unknown) => unknown;

function load(file: string): Handler | { loadFailure: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is known only at run time
    const loaded = require(file) as Handler | { default?: Handler };
    const handler = typeof loaded === 'function' ? loaded : loaded.default;
    if (typeof handler !== 'function') return { loadFailure: 'it exports no function' };
    return handler;
  } catch (error) {
    return { loadFailure: error instanceof Error ? error.message : String(error) };
  }
}

const file = process.argv.at(-1) ?? '';
const handler = load(file);

export default function runTask(task: unknown): unknown {
  if (typeof handler === 'function') return handler(task);
  const error = Object.assign(new Error(`a worker thread could not load ${file}: ${handler.loadFailure}`), { code: MODULE_LOAD_FAILED });
  queueMicrotask(() => {
    throw error;
  });
  return new Promise(() => undefined);
}
