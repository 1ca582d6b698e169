import { randomUUID } from 'node:crypto';
import { IngestFileRequestSchema, validatorFor, type IngestFileRequest } from '../index';
import { ingestFileRequest } from './ingest-file-request';

const validate = validatorFor<IngestFileRequest>(IngestFileRequestSchema);

describe('ingestFileRequest', () => {
  const named = {
    file_path: 'gs://docs/a.txt',
    vector_table_name: 'kb_a',
    file_uuid: randomUUID(),
    knowledgebase_id: 'a',
    embedding_provider: 'local' as const,
    embedding_model: 'universal-sentence-encoder-lite',
  };

  it('builds a body the contract accepts, every field it gives kept as given', () => {
    const body = ingestFileRequest(named);
    const result = validate(structuredClone(body));
    expect(result.ok).toBe(true);
    expect(result.ok && result.value).toMatchObject(body);
  });

  it('keeps what the caller overrides', () => {
    expect(ingestFileRequest({ ...named, chunk_size: 500, attempt: 3, team_id: 7 })).toMatchObject({
      chunk_size: 500,
      chunk_overlap: 8,
      attempt: 3,
      team_id: 7,
      link_id: null,
    });
  });
});
