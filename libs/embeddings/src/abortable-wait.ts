/**
 * Resolves once performance.now() has reached `deadline`; rejects with the signal's reason on abort.
 * Loops because timers have millisecond granularity and may fire a fraction early: a wait the
 * server asked for must never come up short.
 */
export async function waitUntil(deadline: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    const remaining = deadline - performance.now();
    if (remaining <= 0) return;
    await sleep(Math.ceil(remaining), signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
