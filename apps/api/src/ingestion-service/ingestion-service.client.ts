import { Inject, Injectable } from '@nestjs/common';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { DeleteVectorsRequest, DeleteVectorsResponse, ErrorBody, IngestFileRequest, IngestFileResponse, SearchRequest, SearchResponse } from '@docingest/contracts';
import type { OutboundAuth } from '@docingest/service-auth';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { ApiError } from '../common/api-error';

export const OUTBOUND_AUTH = Symbol('OUTBOUND_AUTH');

/** Calls to the ingestion service, with the system credential. */
@Injectable()
export class IngestionServiceClient {
  private readonly http: AxiosInstance;

  constructor(
    @Inject(API_CONFIG) config: ApiConfig,
    @Inject(OUTBOUND_AUTH) private readonly auth: OutboundAuth,
  ) {
    this.http = axios.create({ baseURL: config.INGESTION_SERVICE_URL.replace(/\/$/, ''), validateStatus: () => true });
    this.dispatchTimeoutMs = config.DISPATCH_TIMEOUT_MS;
  }
  private readonly dispatchTimeoutMs: number;

  /** The credential for one dispatch, minted before the link is marked processing so a failure here can be retried. */
  async dispatchHeaders(): Promise<Record<string, string>> {
    return this.auth.headers();
  }

  /**
   * Starts `/ingest-file` and answers the pending response: the pipeline runs inside that
   * request for up to the Cloud Run timeout, so the caller must not wait for it.
   */
  dispatch(body: IngestFileRequest, headers: Record<string, string>): Promise<AxiosResponse<IngestFileResponse | ErrorBody>> {
    return this.http.post('/ingest-file', body, { headers, timeout: this.dispatchTimeoutMs });
  }

  async deleteVectors(body: DeleteVectorsRequest): Promise<DeleteVectorsResponse> {
    return this.call<DeleteVectorsResponse>('/delete-vectors', body, 30_000);
  }

  async search(body: SearchRequest): Promise<SearchResponse> {
    return this.call<SearchResponse>('/search', body, 60_000);
  }

  private async call<T>(path: string, body: unknown, timeout: number): Promise<T> {
    let response: AxiosResponse;
    try {
      response = await this.http.post(path, body, { headers: await this.auth.headers(), timeout });
    } catch (error) {
      throw new ApiError(502, `the ingestion service is unreachable: ${(error as Error).message}`, { code: 'ingestion_service_unreachable' });
    }
    if (response.status >= 300) {
      const message = (response.data as ErrorBody | undefined)?.message ?? `HTTP ${response.status}`;
      throw new ApiError(response.status >= 500 ? 502 : response.status, `the ingestion service refused: ${message}`, { code: 'ingestion_service_error' });
    }
    return response.data as T;
  }
}
