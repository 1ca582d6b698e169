import { CONTRACTS, SAMPLE_SECRETS } from './support/app-contracts';
import { envContractProblems, environmentOf, requiredBySpec, type EnvSpec } from './support/env-contract';
import { MANIFESTS, type ServiceName } from './support/paths';
import { loadServiceManifest, type EnvEntry } from './support/service-manifest';

const SERVICES: ServiceName[] = ['ingestion', 'api'];

function renamed(env: EnvEntry[], from: string, to: string): EnvEntry[] {
  return env.map((e) => (e.name === from ? { ...e, name: to } : e));
}

describe.each(SERVICES)('%s manifest against the app env spec', (service) => {
  const manifest = loadServiceManifest(MANIFESTS[service]);
  const contract = CONTRACTS[service];

  it('sets only variables the app reads, and every one it requires', () => {
    expect(envContractProblems(manifest.env, contract)).toEqual([]);
    const names = manifest.env.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(requiredBySpec(contract.spec)));
    // The Cloud Run deployment authenticates with Google ID tokens, which needs both of these.
    expect(manifest.env.find((e) => e.name === 'AUTH_MODE')?.value).toBe('oidc');
    expect(names).toEqual(expect.arrayContaining(['OIDC_AUDIENCE', 'OIDC_ALLOWED_CALLERS']));
  });

  it("passes the app's own loadConfig(), required-when rules included", () => {
    const env = environmentOf(manifest.env, SAMPLE_SECRETS);
    expect(() => contract.load({ ...env, NODE_ENV: 'production' })).not.toThrow();
  });

  it('fails when the manifest renames a variable (OIDC_AUDIENCE -> OIDC_AUDIENCES)', () => {
    const env = renamed(manifest.env, 'OIDC_AUDIENCE', 'OIDC_AUDIENCES');
    const problems = envContractProblems(env, contract);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^OIDC_AUDIENCES is set but the app's env spec has no such variable/),
        expect.stringMatching(/^OIDC_AUDIENCE is required when AUTH_MODE=oidc but not set/),
      ]),
    );
    expect(() => contract.load({ ...environmentOf(env, SAMPLE_SECRETS), NODE_ENV: 'production' })).toThrow(/OIDC_AUDIENCE/);
  });

  it('fails when the app renames a variable the manifest sets (DATABASE_URL -> POSTGRES_URL in a copy of the spec)', () => {
    const spec: EnvSpec = { ...contract.spec };
    spec.POSTGRES_URL = spec.DATABASE_URL;
    delete spec.DATABASE_URL;
    expect(envContractProblems(manifest.env, { ...contract, spec })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DATABASE_URL is set but the app's env spec has no such variable/),
        expect.stringMatching(/^POSTGRES_URL is required by the env spec \(no default\) but not set/),
      ]),
    );
  });

  it('fails when a required variable is dropped, a credential is inlined, or PORT is set', () => {
    const withoutDb = manifest.env.filter((e) => e.name !== 'DATABASE_URL');
    expect(envContractProblems(withoutDb, contract)).toContain('DATABASE_URL is required by the env spec (no default) but not set');

    const inlined = manifest.env.map((e) => (e.name === 'DATABASE_URL' ? { name: e.name, value: 'postgresql://u:p@localhost/db' } : e));
    expect(envContractProblems(inlined, contract)).toContain('DATABASE_URL holds a credential: take it from Secret Manager (valueFrom.secretKeyRef)');

    expect(envContractProblems([...manifest.env, { name: 'PORT', value: '8080' }], contract)).toContain('PORT is reserved: Cloud Run sets it');
    expect(envContractProblems([...manifest.env, manifest.env[0]], contract)).toContain(`${manifest.env[0].name} is set twice`);
  });
});

describe('required-when rules', () => {
  const ingestion = CONTRACTS.ingestion;

  it('asks for SYSTEM_API_KEY only in api-key mode, and for a bucket always', () => {
    const base: EnvEntry[] = [
      { name: 'DATABASE_URL', secret: { name: 'db', key: 'latest' } },
      { name: 'API_URL', value: 'https://api.example' },
    ];
    expect(envContractProblems(base, ingestion)).toEqual([
      'SYSTEM_API_KEY is required when AUTH_MODE=api-key but not set',
      'one of GCS_BUCKET, GCS_ALLOWED_BUCKETS is required but none is set',
    ]);
    const oidc = [...base, { name: 'AUTH_MODE', value: 'oidc' }, { name: 'GCS_ALLOWED_BUCKETS', value: 'a,b' }];
    expect(envContractProblems(oidc, ingestion)).toEqual([
      'OIDC_AUDIENCE is required when AUTH_MODE=oidc but not set',
      'OIDC_ALLOWED_CALLERS is required when AUTH_MODE=oidc but not set',
    ]);
    // An empty value counts as not set: the app's default for these is ''.
    expect(envContractProblems([...oidc, { name: 'OIDC_AUDIENCE', value: '' }, { name: 'OIDC_ALLOWED_CALLERS', value: 'sa@x' }], ingestion)).toEqual([
      'OIDC_AUDIENCE is required when AUTH_MODE=oidc but not set',
    ]);
  });
});
