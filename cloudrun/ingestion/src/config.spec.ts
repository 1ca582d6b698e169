import { ConfigError, loadConfig } from './config';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', API_URL: 'http://127.0.0.1:3000', SYSTEM_API_KEY: 'k', GCS_BUCKET: 'b' };

describe('ingestion configuration: vector search settings', () => {
  it('defaults to hnsw.ef_search 200 and exact search up to 10,000 matching rows', () => {
    expect(loadConfig(base)).toMatchObject({ VECTOR_EF_SEARCH: 200, VECTOR_EXACT_MAX_ROWS: 10_000 });
  });

  it.each(['0', '1001', '2.5'])('refuses VECTOR_EF_SEARCH=%s at start-up (pgvector takes 1 to 1000)', (value) => {
    expect(() => loadConfig({ ...base, VECTOR_EF_SEARCH: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, VECTOR_EF_SEARCH: value })).toThrow(/VECTOR_EF_SEARCH: .*from 1 to 1000/);
  });

  it('refuses a negative VECTOR_EXACT_MAX_ROWS and takes 0 (the planner decides)', () => {
    expect(() => loadConfig({ ...base, VECTOR_EXACT_MAX_ROWS: '-1' })).toThrow(/VECTOR_EXACT_MAX_ROWS/);
    expect(loadConfig({ ...base, VECTOR_EXACT_MAX_ROWS: '0' }).VECTOR_EXACT_MAX_ROWS).toBe(0);
  });
});
