import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';

export interface LinkProgress {
  knowledgebase_id: string;
  ingestion_status: string;
  ingestion_progress: number;
  current_stage: string | null;
  chunk_count: number | null;
  ingestion_error: string | null;
  ingestion_started_at: string | null;
  ingestion_completed_at: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The few api calls the command line makes, with the admin key. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly adminKey: string,
  ) {}

  private async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/api/v1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${this.adminKey}`, ...(init.headers ?? {}) },
      });
    } catch (error) {
      throw new ApiError(0, `the api is not reachable at ${this.baseUrl} (${(error as Error).cause ?? (error as Error).message}); start it with npm start`);
    }
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, body?.message ?? `HTTP ${response.status}`);
    return body as T;
  }

  private json<T>(path: string, method: string, body: unknown): Promise<T> {
    return this.request<T>(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  async upload(path: string, knowledgebaseId: string): Promise<{ uuid: string }> {
    const form = new FormData();
    form.append('knowledgebase_id', knowledgebaseId);
    form.append('auto_ingest', 'false');
    form.append('file', await openAsBlob(path), basename(path));
    return this.request('/files', { method: 'POST', body: form });
  }

  ingest(fileUuids: string[], knowledgebaseId: string): Promise<unknown> {
    return this.json('/files/ingest-selected', 'POST', { file_uuids: fileUuids, knowledgebase_id: knowledgebaseId, force: true });
  }

  async progress(fileUuid: string, knowledgebaseId: string): Promise<LinkProgress | undefined> {
    const body = await this.request<LinkProgress[] | { links: LinkProgress[] }>(`/files/${fileUuid}/progress`);
    const links = Array.isArray(body) ? body : body.links;
    return links.find((l) => l.knowledgebase_id === knowledgebaseId);
  }

  search(knowledgebaseId: string, query: string, topK: number) {
    return this.json<{ results: Array<{ score: number; text: string; file_name: string | null; page: number | null }> }>(
      `/knowledge-bases/${encodeURIComponent(knowledgebaseId)}/search`,
      'POST',
      { query, top_k: topK },
    );
  }
}
