/** The `code` a pool thread's error carries when the thread could not load the pool's module (pool-thread.js). */
export const MODULE_LOAD_FAILED = 'ERR_WORKER_POOL_MODULE_LOAD';

/** A task's thread could not load the pool's module; the message names the module and why. */
export class WorkerModuleLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerModuleLoadError';
  }
}

/** A thread's error is rebuilt by Node in the pool's realm, so it is told by its code, not its class. */
export function isModuleLoadFailure(error: unknown): error is { message: string } {
  return (error as { code?: unknown } | null)?.code === MODULE_LOAD_FAILED;
}
