import type { IncomingMessage, ServerResponse } from 'node:http';

/** Requests are logged only when LOCAL_GCS_DEBUG asks, one JSON line each, on stderr. */
export function requestLoggingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.LOCAL_GCS_DEBUG?.trim().toLowerCase();
  return !!value && value !== '0' && value !== 'false';
}

export function logRequest(req: IncomingMessage, res: ServerResponse, write: (line: string) => void): void {
  const started = process.hrtime.bigint();
  res.once('close', () => {
    write(
      JSON.stringify({
        level: 'debug',
        time: new Date().toISOString(),
        msg: 'local-gcs request',
        method: req.method,
        url: req.url,
        range: req.headers.range ?? req.headers['content-range'],
        status: res.statusCode,
        completed: res.writableFinished,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      }),
    );
  });
}
