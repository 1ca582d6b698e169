/** The REST calls the tests make to set up and check, with the admin key. */
export class AdminClient {
  constructor(
    private readonly apiUrl: string,
    private readonly adminKey: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.apiUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  createKnowledgeBase(body: { knowledgebase_id: string; name: string; embedding_provider: string; embedding_model: string }) {
    return this.call<{ knowledgebase_id: string }>('POST', '/knowledge-bases', body);
  }

  createLocalKnowledgeBase(id: string, name = id) {
    return this.createKnowledgeBase({ knowledgebase_id: id, name, embedding_provider: 'local', embedding_model: 'universal-sentence-encoder-lite' });
  }

  /** Pauses or resumes the ingestion queue through the queue dashboard, as an operator would. */
  async setQueuePaused(paused: boolean): Promise<void> {
    const response = await fetch(`${this.apiUrl}/admin/queues/api/queues/ingestion/${paused ? 'pause' : 'resume'}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${this.adminKey}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) throw new Error(`queue ${paused ? 'pause' : 'resume'}: HTTP ${response.status} ${await response.text()}`);
  }

  async knowledgeBaseIds(): Promise<string[]> {
    const { items } = await this.call<{ items: Array<{ knowledgebase_id: string }> }>('GET', '/knowledge-bases');
    return items.map((kb) => kb.knowledgebase_id);
  }

  async filesOf(kb: string) {
    const { items } = await this.call<{
      items: Array<{ uuid: string; title: string; ingestion_status: string; chunk_count: number | null; ingestion_error: string | null }>;
    }>('GET', `/knowledge-bases/${encodeURIComponent(kb)}/files`);
    return items;
  }

  progress(fileUuid: string) {
    return this.call<{ links: Array<Record<string, unknown>> }>('GET', `/files/${fileUuid}/progress`);
  }
}
