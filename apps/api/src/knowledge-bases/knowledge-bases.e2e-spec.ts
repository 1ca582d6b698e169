import { ADMIN_KEY, startApiStack, type ApiStack } from '../testing/api-stack';

const VALID = {
  knowledgebase_id: 'manuals',
  name: 'Plant manuals',
  embedding_provider: 'local',
  embedding_model: 'universal-sentence-encoder-lite',
  chunk_size: 512,
  chunk_overlap: 64,
};

describe('knowledge bases (api on real PGlite and Redis)', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack({ ingestion: false });
  });
  afterAll(() => stack?.stop());

  const rows = async () => (await stack.pool.query(`SELECT * FROM knowledge_bases ORDER BY knowledgebase_id`)).rows;

  it('creates one with the design defaults and a vector table derived from its id', async () => {
    const { status, body } = await stack.request('POST', '/api/v1/knowledge-bases', {
      knowledgebase_id: 'hr-policies',
      name: 'HR policies',
      embedding_provider: 'local',
      embedding_model: 'universal-sentence-encoder-lite',
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      knowledgebase_id: 'hr-policies',
      name: 'HR policies',
      vector_table_name: 'kb_hr_policies',
      embedding_provider: 'local',
      embedding_model: 'universal-sentence-encoder-lite',
      embedding_dimensions: 512,
      chunk_size: 1000,
      chunk_overlap: 200,
      text_search_language: 'english',
    });
    expect(await rows()).toEqual([
      expect.objectContaining({ knowledgebase_id: 'hr-policies', chunk_size: 1000, chunk_overlap: 200, vector_table_name: 'kb_hr_policies' }),
    ]);
  });

  it.each([
    ['an unknown provider', { embedding_provider: 'cohere' }, 'embedding_provider'],
    ['a model the local provider does not have', { embedding_model: 'text-embedding-3-small' }, 'embedding_model'],
    ['dimensions the local model does not give', { embedding_dimensions: 1536 }, 'embedding_dimensions'],
    ['chunk_overlap equal to chunk_size', { chunk_size: 256, chunk_overlap: 256 }, 'chunk_overlap'],
    ['chunk_overlap above chunk_size', { chunk_size: 256, chunk_overlap: 300 }, 'chunk_overlap'],
    ['a huge chunk_size', { chunk_size: 10_000_000 }, 'chunk_size'],
    ['a chunk_size that is not an integer', { chunk_size: 512.5 }, 'chunk_size'],
    ['a negative chunk_overlap', { chunk_overlap: -1 }, 'chunk_overlap'],
    ['an id with upper case and spaces', { knowledgebase_id: 'Plant Manuals' }, 'knowledgebase_id'],
    ['an id that would inject SQL into the table name', { knowledgebase_id: 'x;drop table files' }, 'knowledgebase_id'],
    ['an id with a path', { knowledgebase_id: '../etc' }, 'knowledgebase_id'],
    ['an id too long for a table name', { knowledgebase_id: 'a'.repeat(60) }, 'knowledgebase_id'],
    ['a vector table name chosen by the caller', { vector_table_name: 'data; drop' }, 'vector_table_name'],
    ['an empty name', { name: '' }, 'name'],
    ['a text search language outside the allow-list', { text_search_language: "english'); drop table files; --" }, 'text_search_language'],
    ['no name', { name: undefined }, 'name'],
  ])('refuses %s with 400 naming the field, creating nothing', async (_what, change, field) => {
    const before = await rows();
    const { status, body } = await stack.request('POST', '/api/v1/knowledge-bases', { ...VALID, ...change });
    expect(status).toBe(400);
    expect(body).toMatchObject({ statusCode: 400, field });
    expect(body.message).toContain(field);
    expect(await rows()).toEqual(before);
    expect((await stack.request('GET', `/api/v1/knowledge-bases/${VALID.knowledgebase_id}`)).status).toBe(404);
  });

  it('refuses a body that is not a JSON object with 400, never 500', async () => {
    const before = await rows();
    for (const raw of ['{"knowledgebase_id": "broken"', '[1, 2]', '"manuals"']) {
      const response = await fetch(`${stack.apiUrl}/api/v1/knowledge-bases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: raw,
      });
      expect({ raw, status: response.status }).toEqual({ raw, status: 400 });
      expect(await response.json()).toMatchObject({ statusCode: 400, message: expect.any(String) });
    }
    expect(await rows()).toEqual(before);
  });

  it('accepts an OpenAI knowledge base with any model and its own dimensions', async () => {
    const { status, body } = await stack.request('POST', '/api/v1/knowledge-bases', {
      ...VALID,
      knowledgebase_id: 'contracts',
      embedding_provider: 'openai',
      embedding_model: 'text-embedding-3-small',
      embedding_dimensions: 1536,
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ embedding_provider: 'openai', embedding_dimensions: 1536, vector_table_name: 'kb_contracts' });
  });

  it('accepts a Vertex AI knowledge base, recording the model’s size or the one asked for', async () => {
    const native = await stack.request('POST', '/api/v1/knowledge-bases', {
      ...VALID,
      knowledgebase_id: 'vertex-native',
      embedding_provider: 'google',
      embedding_model: 'text-embedding-005',
    });
    expect(native).toMatchObject({ status: 201, body: { embedding_provider: 'google', embedding_model: 'text-embedding-005', embedding_dimensions: 768 } });
    const gemini = await stack.request('POST', '/api/v1/knowledge-bases', {
      ...VALID,
      knowledgebase_id: 'vertex-gemini',
      embedding_provider: 'google',
      embedding_model: 'gemini-embedding-001',
    });
    expect(gemini.body).toMatchObject({ embedding_dimensions: 3072 });
    const shortened = await stack.request('POST', '/api/v1/knowledge-bases', {
      ...VALID,
      knowledgebase_id: 'vertex-256',
      embedding_provider: 'google',
      embedding_model: 'gemini-embedding-001',
      embedding_dimensions: 256,
    });
    expect(shortened.body).toMatchObject({ embedding_dimensions: 256 });
  });

  it('refuses a Vertex AI knowledge base it could not embed for, naming the field', async () => {
    const before = await rows();
    const google = { ...VALID, knowledgebase_id: 'vertex-bad', embedding_provider: 'google', embedding_model: 'text-embedding-005' };
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ embedding_model: 'textembedding-gecko' }, 'embedding_model', /not a Vertex AI embedding model of the google provider: use one of text-embedding-005/],
      [{ embedding_dimensions: 1024 }, 'embedding_dimensions', /at most 768 with text-embedding-005, not 1024/],
      [{ chunk_size: 4096, chunk_overlap: 64 }, 'chunk_size', /at most 2048 with the google provider/],
      [{ embedding_provider: 'vertex' }, 'embedding_provider', /./],
    ];
    for (const [change, field, message] of cases) {
      const { status, body } = await stack.request('POST', '/api/v1/knowledge-bases', { ...google, ...change });
      expect({ change, status, field: body.field }).toEqual({ change, status: 400, field: expect.stringContaining(field) });
      expect(body.message).toMatch(message);
    }
    expect(await rows()).toEqual(before);
  });

  it('answers 409 for an id that exists, leaving the first one as it was', async () => {
    expect((await stack.request('POST', '/api/v1/knowledge-bases', VALID)).status).toBe(201);
    const before = await rows();
    const again = await stack.request('POST', '/api/v1/knowledge-bases', { ...VALID, name: 'Something else', chunk_size: 2000 });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'exists', field: 'knowledgebase_id' });
    expect(again.body.message).toContain('manuals');
    expect(await rows()).toEqual(before);
  });

  it('answers 409 for an id that would share another one’s vector table', async () => {
    const before = await rows();
    const clash = await stack.request('POST', '/api/v1/knowledge-bases', { ...VALID, knowledgebase_id: 'hr_policies' });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ field: 'knowledgebase_id' });
    expect(clash.body.message).toMatch(/kb_hr_policies.*hr-policies/);
    expect(await rows()).toEqual(before);
  });

  it('lists them in creation order', async () => {
    const { status, body } = await stack.request('GET', '/api/v1/knowledge-bases');
    expect(status).toBe(200);
    expect(body.items.map((kb: { knowledgebase_id: string }) => kb.knowledgebase_id)).toEqual([
      'hr-policies',
      'contracts',
      'vertex-native',
      'vertex-gemini',
      'vertex-256',
      'manuals',
    ]);
    expect(body.items[5]).toMatchObject({ ...VALID, vector_table_name: 'kb_manuals', embedding_dimensions: 512 });
  });

  it('gets one by id, and answers 404 for an unknown one', async () => {
    const found = await stack.request('GET', '/api/v1/knowledge-bases/manuals');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ ...VALID, created_at: expect.any(String) });

    const unknown = await stack.request('GET', '/api/v1/knowledge-bases/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, code: 'unknown_knowledge_base' });
    expect(unknown.body.message).toContain('nothing-here');
    expect((await stack.request('GET', '/api/v1/knowledge-bases/nothing-here/files')).status).toBe(404);
  });
});
