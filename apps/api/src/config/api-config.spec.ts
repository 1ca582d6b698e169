import { ConfigError, loadApiConfig } from './api-config';

const env = {
  DATABASE_URL: 'postgresql://127.0.0.1:5432/docingest',
  REDIS_URL: 'redis://127.0.0.1:6379',
  INGESTION_SERVICE_URL: 'http://127.0.0.1:8080',
  SYSTEM_API_KEY: 'system-key',
  ADMIN_API_KEY: 'an-admin-key-long-enough',
  GCS_BUCKET: 'docs',
};

describe('api configuration', () => {
  it('caps event streams at 1,000 per instance unless MAX_EVENT_STREAMS says otherwise', () => {
    expect(loadApiConfig(env).MAX_EVENT_STREAMS).toBe(1000);
    expect(loadApiConfig({ ...env, MAX_EVENT_STREAMS: '2' }).MAX_EVENT_STREAMS).toBe(2);
  });

  it.each(['0', '-1', 'many', '1.5'])('refuses MAX_EVENT_STREAMS=%s at start-up, naming it', (value) => {
    const load = () => loadApiConfig({ ...env, MAX_EVENT_STREAMS: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/MAX_EVENT_STREAMS/);
  });
});
