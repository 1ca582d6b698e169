import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { apiEnvSpec } from '../../../apps/api/src/config/api-config';
import { ingestionEnvSpec } from '../../../cloudrun/ingestion/src/config';
import { renderConfigTable, withConfigTable } from './config-table';

describe('README configuration table', () => {
  const readme = readFileSync(resolve(__dirname, '../../../README.md'), 'utf8');

  it('is the one the config schemas produce (run `npm run docs:config` after changing a variable)', () => {
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('lists every variable of both services, required ones marked', () => {
    const table = renderConfigTable();
    for (const name of [...Object.keys(apiEnvSpec), ...Object.keys(ingestionEnvSpec)]) expect(table).toContain(`\`${name}\``);
    expect(table).toMatch(/\| api \| `DATABASE_URL` \| \*\*required\*\* \|/);
    expect(table).toMatch(/\| ingestion \| `PORT` \| `8080` \|/);
  });
});
