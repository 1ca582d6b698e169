import axios, { type AxiosInstance } from 'axios';
import { cancelOf, TRACEPARENT_HEADER, type CancelReason, type ProgressUpdate } from '@docingest/contracts';
import type { OutboundAuth } from '@docingest/service-auth';

export type SendOutcome = 'delivered' | 'rejected' | 'unreachable';

/** Sends one progress update to the api. Never throws: the caller decides whether to retry. */
export class CallbackClient {
  private readonly http: AxiosInstance;

  constructor(
    apiUrl: string,
    private readonly auth: OutboundAuth,
    timeoutMs = 10_000,
  ) {
    // maxRedirects 0: the api never redirects a callback, and without redirects axios sends on
    // Node's http directly instead of through follow-redirects' wrapper, a cost on every callback.
    this.http = axios.create({ baseURL: apiUrl.replace(/\/$/, ''), timeout: timeoutMs, validateStatus: () => true, maxRedirects: 0 });
  }

  /** `cancel`: the api's answer says it no longer wants this attempt (see UpdateProgressResponseSchema). */
  async send(target: { fileUuid: string; traceparent?: string }, update: ProgressUpdate): Promise<{ outcome: SendOutcome; detail: string; cancel?: CancelReason }> {
    try {
      const headers = await this.auth.headers();
      const response = await this.http.post(`/api/v1/files/${encodeURIComponent(target.fileUuid)}/update-progress`, update, {
        headers: target.traceparent ? { ...headers, [TRACEPARENT_HEADER]: target.traceparent } : headers,
      });
      // Only an attempt the api addressed by link can be cancelled by it.
      const cancel = update.link_id === null ? undefined : cancelOf(response.status, response.data);
      if (response.status < 300) return { outcome: 'delivered', detail: String(response.status), cancel };
      if (cancel) return { outcome: 'rejected', detail: `HTTP ${response.status}`, cancel };
      // 4xx means the api will never take this update (unknown link, stale attempt): do not insist.
      const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
      return { outcome: permanent ? 'rejected' : 'unreachable', detail: `HTTP ${response.status}` };
    } catch (error) {
      return { outcome: 'unreachable', detail: (error as Error).message };
    }
  }
}
