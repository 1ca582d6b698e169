import { readBody, startLoopbackServer } from '@docingest/contracts/testing';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface RecordedCallback {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The api's status for it; 0 when the api could not be reached. */
  status: number;
  at: number;
}

export interface CallbackRecorder {
  url: string;
  /** Callbacks with the api's answer, once answered (status 0: the api was unreachable). */
  readonly callbacks: RecordedCallback[];
  /** Callbacks as they arrive, before the api has seen them: what the service has just said. */
  readonly arrived: Array<{ path: string; body: any; at: number }>;
  close(): Promise<void>;
}

/**
 * A reverse proxy in front of the api for the ingestion service's callbacks: forwards every
 * request unchanged and keeps each progress callback exactly as sent (delivered or not), so a
 * test can count retries and replay one.
 */
export async function startCallbackRecorder(targetPort: number): Promise<CallbackRecorder> {
  const callbacks: RecordedCallback[] = [];
  const arrived: CallbackRecorder['arrived'] = [];
  const loopback = await startLoopbackServer(async (req, res) => {
    const body = await readBody(req);
    if (req.url?.endsWith('/update-progress')) {
      try {
        arrived.push({ path: req.url, body: JSON.parse(body.toString('utf8')), at: Date.now() });
      } catch {
        arrived.push({ path: req.url, body: body.toString('utf8'), at: Date.now() });
      }
    }
    const forward = httpRequest({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (req.url?.endsWith('/update-progress')) {
        callbacks.push({ path: req.url, headers: req.headers, body: body.toString('utf8'), status: answer.statusCode ?? 0, at: Date.now() });
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    // The api being down must look the same to the service as without the recorder.
    forward.on('error', () => {
      if (req.url?.endsWith('/update-progress')) {
        callbacks.push({ path: req.url, headers: req.headers, body: body.toString('utf8'), status: 0, at: Date.now() });
      }
      res.socket?.destroy();
    });
    forward.end(body);
  });
  return { url: loopback.url, callbacks, arrived, close: loopback.close };
}
