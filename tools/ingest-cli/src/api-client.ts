import { openAsBlob } from 'node:fs';
import { basename, extname } from 'node:path';
import type { IngestionView } from '@docingest/contracts';

export interface Enqueued {
  file_uuid: string;
  link_id: number;
  attempt: number;
}

export interface SearchHit {
  score: number;
  text: string;
  file_name: string | null;
  page: number | null;
}

/** What `GET /knowledge-bases/:kb/imports/:id` answers (ImportView in libs/contracts). */
export interface ImportProgress {
  import_id: string;
  gcs_uri: string;
  status: 'listing' | 'running' | 'completed' | 'failed';
  counts: { listed: number; skipped_unchanged: number; queued: number; completed: number; failed: number };
  pages_listed: number;
  error: string | null;
  created_at: string;
  completed_at: string | null;
}

export interface ImportResult {
  object: string;
  status: string;
  chunks: number | null;
  error: string | null;
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

// The parser detects formats by content; the type only makes the stored object honest.
const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.txt': 'text/plain',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.csv': 'text/csv',
  '.json': 'application/json',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The few api calls the command line makes, with the admin key. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly adminKey: string,
  ) {}

  get unauthorizedMessage(): string {
    return `the api at ${this.baseUrl} refused the admin key: set ADMIN_API_KEY to the key it was started with`;
  }

  private async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/api/v1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${this.adminKey}`, ...(init.headers ?? {}) },
        signal: AbortSignal.timeout(120_000),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(
        0,
        `the api is not reachable at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}); start it with npm start, or set API_URL`,
      );
    }
    const text = await response.text();
    let body: { message?: unknown } | null = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (response.status === 401) throw new ApiError(401, this.unauthorizedMessage);
    if (!response.ok) {
      const message = Array.isArray(body?.message) ? body.message.join('; ') : typeof body?.message === 'string' ? body.message : `HTTP ${response.status}`;
      throw new ApiError(response.status, message);
    }
    return body as T;
  }

  private json<T>(path: string, method: string, body: unknown): Promise<T> {
    return this.request<T>(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  /** The knowledge base, or a clear error naming the ones there are. */
  async knowledgeBase(id: string): Promise<{ knowledgebase_id: string }> {
    try {
      return await this.request(`/knowledge-bases/${encodeURIComponent(id)}`);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      const { items } = await this.request<{ items: Array<{ knowledgebase_id: string }> }>('/knowledge-bases');
      const known = items.map((kb) => kb.knowledgebase_id).join(', ');
      throw new ApiError(
        404,
        `there is no knowledge base '${id}'; ${known ? `choose one with --kb (${known})` : 'create one first (POST /api/v1/knowledge-bases, or in the admin UI)'}`,
      );
    }
  }

  async upload(path: string, knowledgebaseId: string): Promise<{ uuid: string }> {
    const form = new FormData();
    form.append('knowledgebase_id', knowledgebaseId);
    form.append('auto_ingest', 'false');
    form.append('file', await openAsBlob(path, { type: contentTypeOf(path) }), basename(path));
    return this.request('/files', { method: 'POST', body: form });
  }

  async ingest(fileUuids: string[], knowledgebaseId: string): Promise<Enqueued[]> {
    const { queued } = await this.json<{ queued: Enqueued[] }>('/files/ingest-selected', 'POST', {
      file_uuids: fileUuids,
      knowledgebase_id: knowledgebaseId,
      force: true,
    });
    return queued;
  }

  ingestion(linkId: number): Promise<IngestionView> {
    return this.request<IngestionView>(`/ingestions/${linkId}`);
  }

  startImport(knowledgebaseId: string, gcsUri: string, include: string[], exclude: string[]): Promise<ImportProgress> {
    return this.json<ImportProgress>(`/knowledge-bases/${encodeURIComponent(knowledgebaseId)}/imports`, 'POST', { gcs_uri: gcsUri, include, exclude });
  }

  importProgress(knowledgebaseId: string, importId: string): Promise<ImportProgress> {
    return this.request<ImportProgress>(`/knowledge-bases/${encodeURIComponent(knowledgebaseId)}/imports/${importId}`);
  }

  async importResults(knowledgebaseId: string, importId: string): Promise<ImportResult[]> {
    return (await this.request<{ results: ImportResult[] }>(`/knowledge-bases/${encodeURIComponent(knowledgebaseId)}/imports/${importId}/results`)).results;
  }

  search(knowledgebaseId: string, query: string, topK: number) {
    return this.json<{ results: SearchHit[] }>(`/knowledge-bases/${encodeURIComponent(knowledgebaseId)}/search`, 'POST', { query, top_k: topK });
  }
}
