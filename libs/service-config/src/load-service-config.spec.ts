import { num, str } from 'envalid';
import { intInRange, list } from './env-validators';
import { ConfigError, loadServiceConfig, serviceAuthProblem } from './load-service-config';

const spec = {
  PORT: num({ default: 8080 }),
  NAME: str(),
  AUTH_MODE: str({ choices: ['api-key', 'oidc'], default: 'api-key' }),
  SYSTEM_API_KEY: str({ default: '' }),
  OIDC_AUDIENCE: str({ default: '' }),
  OIDC_ALLOWED_CALLERS: list({ default: [] }),
};

describe('loadServiceConfig', () => {
  it('names every bad variable in one ConfigError', () => {
    const load = () => loadServiceConfig({ PORT: 'eighty' }, spec);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^invalid configuration: .*PORT: .*; NAME: /);
  });

  it('takes a whole number within its range and names the range of one outside it', () => {
    const ranged = { ...spec, EF: intInRange(1, 1000)({ default: 200 }) };
    expect(loadServiceConfig({ NAME: 'a', EF: '1000' }, ranged).EF).toBe(1000);
    for (const bad of ['0', '1001', '2.5', 'many']) {
      expect(() => loadServiceConfig({ NAME: 'a', EF: bad }, ranged)).toThrow(/EF: .*must be a whole number from 1 to 1000/);
    }
  });

  it('applies defaults and parses lists', () => {
    const config = loadServiceConfig({ NAME: 'a', SYSTEM_API_KEY: 'k', OIDC_ALLOWED_CALLERS: ' a@x , ,b@x' }, spec, [serviceAuthProblem]);
    expect(config).toMatchObject({ PORT: 8080, NAME: 'a', OIDC_ALLOWED_CALLERS: ['a@x', 'b@x'] });
  });

  it('refuses each auth mode without the settings it needs', () => {
    expect(() => loadServiceConfig({ NAME: 'a' }, spec, [serviceAuthProblem])).toThrow('invalid configuration: SYSTEM_API_KEY: required when AUTH_MODE=api-key');
    expect(() => loadServiceConfig({ NAME: 'a', AUTH_MODE: 'oidc', OIDC_AUDIENCE: 'https://x' }, spec, [serviceAuthProblem])).toThrow(
      'invalid configuration: OIDC_AUDIENCE and OIDC_ALLOWED_CALLERS: required when AUTH_MODE=oidc',
    );
  });

  it('reports the first broken rule of a service', () => {
    const rule = (config: { NAME: string }) => (config.NAME.length < 3 ? 'NAME: too short' : undefined);
    expect(() => loadServiceConfig({ NAME: 'ab', SYSTEM_API_KEY: 'k' }, spec, [serviceAuthProblem, rule])).toThrow('invalid configuration: NAME: too short');
  });
});
