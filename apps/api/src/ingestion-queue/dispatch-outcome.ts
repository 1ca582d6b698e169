import type { AxiosResponse } from 'axios';
import type { ErrorBody, IngestFileResponse } from '@docingest/contracts';

/**
 * What one answer (or one transport error) of `/ingest-file` means for the link:
 * - `answer`: the service's own verdict (completed, or failed with its message): recorded.
 * - `overloaded`: the request never started (429, 503 before the service accepted it, connection
 *   refused): the link goes back to `pending` and the attempt is sent again after a backoff.
 * - `broken`: the connection broke; whether the service had taken the request is told by the
 *   link (a callback of the attempt arrived, see migration 1764700000000): if not, it is sent
 *   again like an overload; if so, this decides nothing.
 * - `timed_out`: DISPATCH_TIMEOUT_MS passed. Sending again would not help a service that takes
 *   requests and never reports: without a callback the attempt fails; with one, this decides nothing.
 */
export type DispatchOutcome =
  | { kind: 'answer'; status: number; data: IngestFileResponse | ErrorBody }
  | { kind: 'overloaded'; reason: string; retryAfterMs: number | undefined }
  | { kind: 'broken'; reason: string }
  | { kind: 'timed_out'; reason: string };

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'ERR_BAD_RESPONSE']);

/** Retry-After in seconds or as an HTTP date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || !header.trim()) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function classifyAnswer(response: AxiosResponse<IngestFileResponse | ErrorBody>, accepted: boolean): DispatchOutcome {
  const { status } = response;
  // Cloud Run answers 429 when every instance is busy, 500/503 when scaling out fails; the service
  // itself answers 503 while shutting down before it starts. None of these is about the file.
  const overload = status === 429 || (status === 503 && !accepted);
  if (overload) {
    const said = (response.data as ErrorBody | undefined)?.message;
    return {
      kind: 'overloaded',
      reason: `the ingestion service answered HTTP ${status}${typeof said === 'string' ? ` (${said})` : ''}`,
      retryAfterMs: retryAfterMs(response.headers?.['retry-after']),
    };
  }
  return { kind: 'answer', status, data: response.data };
}

export function classifyError(error: unknown, url: string): DispatchOutcome {
  const e = error as { code?: string; message?: string };
  const code = e.code ?? '';
  if (UNREACHABLE.has(code)) return { kind: 'overloaded', reason: `the ingestion service is unreachable at ${url} (${code})`, retryAfterMs: undefined };
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return { kind: 'timed_out', reason: `the ingestion service did not answer in time (${e.message})` };
  if (BROKEN.has(code) || /socket hang up/i.test(e.message ?? '')) {
    return { kind: 'broken', reason: `the connection to the ingestion service broke before it answered (${code || e.message})` };
  }
  return { kind: 'broken', reason: `the request to the ingestion service failed: ${e.message ?? String(error)}` };
}

/**
 * Delay before re-send number `retry` (1, 2, …): exponential from `baseMs`, capped, with full
 * jitter in its upper half so that files refused together do not come back together; never
 * shorter than what the service asked for in Retry-After.
 */
export function retryDelayMs(retry: number, baseMs: number, capMs: number, asked: number | undefined, random = Math.random): number {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.min(30, retry - 1));
  const jittered = Math.round(exponential / 2 + random() * (exponential / 2));
  return Math.max(jittered, asked ?? 0);
}
