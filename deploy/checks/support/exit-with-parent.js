// Preloaded (node -r) into the services the checks start: the test process holds the other end
// of stdin, so when it dies, even by SIGKILL, stdin ends and the service shuts down the way
// Cloud Run stops it (SIGTERM), then is forced out if it hangs. No orphan outlives a test run.
'use strict';
// Worker threads inherit `-r` (execArgv) but have no stdin of their own: main thread only.
if (require('node:worker_threads').isMainThread) {
  process.stdin.on('end', () => {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), 15_000).unref();
  });
  process.stdin.on('error', () => undefined);
  process.stdin.resume();
  // Watching stdin must not by itself keep the service alive.
  process.stdin.unref();
}
