import { randomUUID } from 'node:crypto';
import { ingestFileRequest } from '@docingest/contracts/testing';
import { startVertexAIServer, type VertexAIServer } from '@docingest/embeddings/testing';
import { loadConfig } from './config';
import { EmbedderRegistry, embedderSettings } from './embedder-registry';
import { startIngestionStack, type IngestionStack } from './testing/ingestion-stack';

// embedding_provider google through the real service: Vertex AI and the metadata server that
// hands Application Default Credentials their token are the outside services, stood in for on
// loopback; the official client runs unchanged in the service.
describe('POST /ingest-file and /search with embedding_provider google', () => {
  let vertex: VertexAIServer;
  let stack: IngestionStack;
  let paths: Record<'native' | 'gemini' | 'short', string>;
  const saved = { host: process.env.GCE_METADATA_HOST, detect: process.env.METADATA_SERVER_DETECTION };

  beforeAll(async () => {
    vertex = await startVertexAIServer();
    process.env.GCE_METADATA_HOST = vertex.metadataHost;
    process.env.METADATA_SERVER_DETECTION = 'assume-present';
    stack = await startIngestionStack({ GOOGLE_CLOUD_PROJECT: 'sample-project', GOOGLE_CLOUD_LOCATION: 'europe-west1', VERTEX_API_ENDPOINT: vertex.apiEndpoint });
    // Uploaded together up front: an upload after a long test may meet a kept-alive connection
    // the storage server has just closed, and the client does not retry a plain upload.
    paths = {
      native: await stack.upload(`vertex/${randomUUID()}.txt`, text, 'text/plain'),
      gemini: await stack.upload(`vertex/${randomUUID()}.txt`, text, 'text/plain'),
      short: await stack.upload(`vertex/${randomUUID()}.txt`, 'One short clause about the harbour lamp.', 'text/plain'),
    };
  });
  afterAll(async () => {
    await stack?.stop();
    await vertex?.close();
    for (const [key, value] of Object.entries({ GCE_METADATA_HOST: saved.host, METADATA_SERVER_DETECTION: saved.detect })) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  const request = (path: string, fileUuid: string, model: string, dimensions: number | null) =>
    ingestFileRequest({
      file_path: path,
      vector_table_name: `kb_vertex_${dimensions ?? 'native'}`,
      file_uuid: fileUuid,
      link_id: 11,
      embedding_provider: 'google',
      embedding_model: model,
      embedding_dimensions: dimensions,
      knowledgebase_id: `vertex-${dimensions ?? 'native'}`,
    });
  const text = Array.from({ length: 40 }, (_, i) => `Clause ${i}: the tenant keeps the harbour lamp lit through winter number ${i}.`).join('\n');

  it('stores 768-dimension chunks embedded as RETRIEVAL_DOCUMENT and answers a search embedded as RETRIEVAL_QUERY', async () => {
    const fileUuid = randomUUID();
    const { status, body } = await stack.call('/ingest-file', request(paths.native, fileUuid, 'text-embedding-005', null));
    expect({ status, body }).toMatchObject({ status: 200, body: { status: 'completed' } });
    const rows = await stack.rowsFor('kb_vertex_native', fileUuid);
    expect(rows).toHaveLength(body.chunks);
    expect(await stack.vectors.tableDimensions('kb_vertex_native')).toBe(768);
    const stored = vertex.requests.filter((r) => r.outcome === 200);
    expect(stored.flatMap((r) => r.inputs)).toHaveLength(body.chunks);
    expect(new Set(stored.flatMap((r) => r.taskTypes))).toEqual(new Set(['RETRIEVAL_DOCUMENT']));

    const chunk = rows[3].text;
    const search = await stack.call('/search', {
      query: chunk,
      vector_table_name: 'kb_vertex_native',
      embedding_provider: 'google',
      embedding_model: 'text-embedding-005',
      knowledgebase_id: 'vertex-native',
      top_k: 3,
    });
    expect(search.status).toBe(200);
    expect(search.body.results[0]).toMatchObject({ text: chunk, file_uuid: fileUuid });
    expect(vertex.requests.at(-1)?.taskTypes).toEqual(['RETRIEVAL_QUERY']);
  });

  it('asks gemini-embedding-001 for the knowledge base’s size, one text per request', async () => {
    const before = vertex.requests.length;
    const { body } = await stack.call('/ingest-file', request(paths.gemini, randomUUID(), 'gemini-embedding-001', 128));
    expect(body).toMatchObject({ status: 'completed' });
    const sent = vertex.requests.slice(before);
    expect(sent).toHaveLength(body.chunks);
    expect(sent.every((r) => r.inputs.length === 1 && r.outputDimensionality === 128)).toBe(true);
    expect(await stack.vectors.tableDimensions('kb_vertex_128')).toBe(128);
  });

  it('fails the file with a clear message when Vertex AI keeps answering RESOURCE_EXHAUSTED', async () => {
    vertex.script(
      ...Array.from({ length: 6 }, () => ({
        status: 429,
        googleStatus: 'RESOURCE_EXHAUSTED',
        message: 'Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model',
      })),
    );
    const fileUuid = randomUUID();
    const { body } = await stack.call('/ingest-file', request(paths.short, fileUuid, 'text-embedding-005', null));
    expect(body).toMatchObject({ status: 'failed', stage: 'embedding' });
    expect(body.message).toMatch(/failed 6 times; last: HTTP 429: RESOURCE_EXHAUSTED: Quota exceeded/);
    expect(await stack.rowsFor('kb_vertex_native', fileUuid)).toHaveLength(0);
  }, 180_000);

  it('refuses the google provider when the service has no project, and a malformed project or region at start-up', async () => {
    const base = { DATABASE_URL: 'postgres://x@127.0.0.1/db', API_URL: 'http://127.0.0.1:1', SYSTEM_API_KEY: 'k', GCS_BUCKET: 'b' };
    expect(() => loadConfig({ ...base, GOOGLE_CLOUD_PROJECT: 'My Project' })).toThrow(/GOOGLE_CLOUD_PROJECT: 'My Project' is not a project id/);
    expect(() => loadConfig({ ...base, GOOGLE_CLOUD_LOCATION: 'europe west' })).toThrow(/GOOGLE_CLOUD_LOCATION: 'europe west' is not a Vertex AI region/);
    expect(loadConfig({ ...base, GOOGLE_CLOUD_PROJECT: 'sample-project', GOOGLE_CLOUD_LOCATION: 'global' }).GOOGLE_CLOUD_LOCATION).toBe('global');
    const unconfigured = new EmbedderRegistry(embedderSettings(loadConfig(base)));
    expect(() => unconfigured.get('google', 'text-embedding-005')).toThrow(
      expect.objectContaining({ statusCode: 400, code: 'provider_not_configured', message: expect.stringMatching(/GOOGLE_CLOUD_PROJECT is empty/) }),
    );
  });
});
