export interface JsonResponse {
  status: number;
  body: any;
  /** Milliseconds from sending to the whole body read. */
  ms: number;
}

/**
 * One HTTP request with an optional Authorization header, answered as status and parsed body.
 * Bounded: a request the server never answers fails after `timeoutMs` instead of hanging a test.
 */
export async function httpJson(
  url: string,
  init: {
    method?: string;
    authorization?: string | null;
    headers?: Record<string, string>;
    body?: unknown;
    rawBody?: string;
    contentType?: string;
    timeoutMs?: number;
  } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.authorization) headers.authorization = init.authorization;
  let body: BodyInit | undefined;
  if (init.rawBody !== undefined) {
    body = init.rawBody;
    headers['content-type'] = init.contentType ?? 'application/json';
  } else if (init.body instanceof FormData) {
    body = init.body;
  } else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = init.contentType ?? 'application/json';
  }
  const started = performance.now();
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, ms };
}
