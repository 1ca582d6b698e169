import { join } from 'node:path';
import { stackSettings } from './stack-settings';

describe('stackSettings', () => {
  it('puts every part on its embedded default when nothing is set', () => {
    expect(stackSettings({}, '/repo')).toEqual({
      dataDir: join('/repo', '.data'),
      ports: { postgres: 54329, gcs: 4443, ingestion: 8080, api: 3000 },
      adminKey: 'local-admin-key',
      systemKey: 'local-system-key',
      bucket: 'local-docs',
      databaseUrl: undefined,
      gcsEndpoint: undefined,
      redisUrl: undefined,
    });
  });

  it('takes port 0 (a free port) and the variables that point parts elsewhere', () => {
    const settings = stackSettings({ API_PORT: '0', PG_PORT: '0', DATA_DIR: 'tmp/x', DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://r:1' }, '/repo');
    expect(settings.ports).toMatchObject({ api: 0, postgres: 0 });
    expect(settings).toMatchObject({ dataDir: join('/repo', 'tmp/x'), databaseUrl: 'postgres://db/x', redisUrl: 'redis://r:1' });
  });

  it('refuses a port that is not one, naming the variable', () => {
    expect(() => stackSettings({ GCS_PORT: 'http' })).toThrow('GCS_PORT=http is not a port number');
    expect(() => stackSettings({ API_PORT: '70000' })).toThrow('API_PORT=70000 is not a port number');
  });
});
