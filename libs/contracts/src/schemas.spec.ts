import { randomUUID } from 'node:crypto';
import { IngestFileRequestSchema, ProgressUpdateSchema, SearchRequestSchema, validatorFor, type IngestFileRequest, type ProgressUpdate } from './index';

const validateIngest = validatorFor<IngestFileRequest>(IngestFileRequestSchema);
const validateProgress = validatorFor<ProgressUpdate>(ProgressUpdateSchema);

const minimalRequest = () => ({
  file_path: 'gs://docs/user/2026/11/report.pdf',
  vector_table_name: 'kb_handbook',
  file_uuid: randomUUID(),
  embedding_provider: 'local',
  embedding_model: 'universal-sentence-encoder-lite',
  knowledgebase_id: 'handbook',
});

describe('IngestFileRequest', () => {
  it('accepts a minimal request and fills every default of docs/wire-contract.md#ingest-file', () => {
    const result = validateIngest(minimalRequest());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      link_id: null,
      chunk_size: 1000,
      chunk_overlap: 200,
      batch_size: 20,
      progress_update_frequency: 10,
      user_uuid: null,
      team_id: null,
      project_id: null,
      custom_metadata: null,
    });
  });

  it('does not modify the input it validates', () => {
    const input = minimalRequest();
    validateIngest(input);
    expect(input).not.toHaveProperty('chunk_size');
  });

  it.each(['file_path', 'vector_table_name', 'file_uuid', 'embedding_provider', 'embedding_model', 'knowledgebase_id'])(
    'rejects a request without %s, naming it',
    (field) => {
      const input: Record<string, unknown> = minimalRequest();
      delete input[field];
      const result = validateIngest(input);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors).toContainEqual({ field, message: `missing required field '${field}'` });
    },
  );

  it.each([
    ['chunk_size', '1000'],
    ['link_id', 'seven'],
    ['custom_metadata', 'tags'],
    ['batch_size', 2.5],
    ['file_path', 42],
  ])('rejects a wrong type for %s, naming it', (field, value) => {
    const result = validateIngest({ ...minimalRequest(), [field]: value });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field)).toEqual([field]);
    expect(result.message).toContain(`'${field}'`);
  });

  it('rejects an unknown field, naming it', () => {
    const result = validateIngest({ ...minimalRequest(), chunksize: 500 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([{ field: 'chunksize', message: "unknown field 'chunksize'" }]);
  });

  it('rejects an unknown embedding provider', () => {
    const result = validateIngest({ ...minimalRequest(), embedding_provider: 'cohere' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0].field).toBe('embedding_provider');
  });

  it.each(['kb; DROP TABLE users', 'KB', 'data-kb', '1kb', '', 'x'.repeat(80)])('rejects the vector table name %j, which is not a plain identifier', (name) => {
    const result = validateIngest({ ...minimalRequest(), vector_table_name: name });
    expect(result.ok).toBe(false);
  });

  it('rejects chunk sizes outside the supported range', () => {
    expect(validateIngest({ ...minimalRequest(), chunk_size: 10_000_000 }).ok).toBe(false);
    expect(validateIngest({ ...minimalRequest(), chunk_size: 0 }).ok).toBe(false);
  });

  it('rejects a file_uuid that is not a uuid', () => {
    const result = validateIngest({ ...minimalRequest(), file_uuid: '../../etc' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toBe("field 'file_uuid' must be a valid uuid");
  });

  it.each([null, [], 'text', 3])('rejects a body that is not an object (%j)', (body) => {
    expect(validateIngest(body).ok).toBe(false);
  });
});

describe('ProgressUpdate', () => {
  const update = { progress: 40, processed_docs: 4, total_docs: 10, link_id: 7, status: 'processing', stage: 'embedding' };

  it('accepts a progress report', () => {
    expect(validateProgress(update)).toEqual({ ok: true, value: update });
  });

  it('rejects progress above 100 and statuses the service may not report', () => {
    expect(validateProgress({ ...update, progress: 101 }).ok).toBe(false);
    expect(validateProgress({ ...update, status: 'pending' }).ok).toBe(false);
    expect(validateProgress({ ...update, stage: 'uploading' }).ok).toBe(false);
  });

  it('carries what a final report says about the work: object version, skip, chunks embedded and reused, tokens', () => {
    const final = {
      ...update,
      status: 'completed',
      progress: 100,
      chunks: 10,
      object: { generation: '1712345678901234', crc32c: 'yZRlqg==' },
      chunks_embedded: 3,
      chunks_reused: 7,
      embedding_tokens: 812,
    };
    expect(validateProgress(final).ok).toBe(true);
    expect(validateProgress({ ...final, skipped: 'unchanged', chunks_embedded: 0, chunks_reused: 0 }).ok).toBe(true);
    expect(validateProgress({ ...final, skipped: 'yes' }).ok).toBe(false);
    expect(validateProgress({ ...final, chunks_reused: -1 }).ok).toBe(false);
    expect(validateProgress({ ...final, object: { generation: '1' } }).ok).toBe(false);
    expect(validateIngest({ ...minimalRequest(), skip_if_unchanged: final.object }).ok).toBe(true);
    expect(validateIngest({ ...minimalRequest(), skip_if_unchanged: { ...final.object, size: 3 } }).ok).toBe(false);
  });

  it('names a missing field', () => {
    const { progress: _progress, ...rest } = update;
    const result = validateProgress(rest);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toBe("missing required field 'progress'");
  });
});

describe('SearchRequest', () => {
  it('defaults top_k and bounds it', () => {
    const base = { query: 'refund policy', vector_table_name: 'kb', embedding_provider: 'local', embedding_model: 'm' };
    const ok = validatorFor<{ top_k: number }>(SearchRequestSchema)(base);
    expect(ok.ok && ok.value.top_k).toBe(5);
    expect(validatorFor(SearchRequestSchema)({ ...base, top_k: 1000 }).ok).toBe(false);
  });
});
