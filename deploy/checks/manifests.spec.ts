import { readFileSync } from 'node:fs';
import { MissingPlaceholderError, placeholdersOf, renderManifest } from '../render-manifest';
import { MANIFESTS } from './support/paths';
import { loadServiceManifest, parseServiceManifest, ManifestShapeError, SAMPLE_PLACEHOLDERS, type ServiceManifest } from './support/service-manifest';
import { apiEnvSpec } from '../../apps/api/src/config/api-config';

/** Cloud Run sends SIGKILL this long after SIGTERM. */
const CLOUD_RUN_SIGTERM_GRACE_MS = 10_000;
/** max_connections of the default Cloud SQL tier (db-custom-1-3840), less the 3 reserved for superusers. */
const CLOUD_SQL_CONNECTIONS = 97;

function envValue(manifest: ServiceManifest, name: string): string | undefined {
  return manifest.env.find((e) => e.name === name)?.value;
}

describe('Cloud Run manifests (deploy/cloudrun)', () => {
  const ingestion = loadServiceManifest(MANIFESTS.ingestion);
  const api = loadServiceManifest(MANIFESTS.api);

  it('render only when every placeholder has a value, and leave none behind', () => {
    for (const file of Object.values(MANIFESTS)) {
      const text = readFileSync(file, 'utf8');
      expect(placeholdersOf(text).length).toBeGreaterThan(0);
      expect(renderManifest(text, SAMPLE_PLACEHOLDERS)).not.toMatch(/\$\{/);
      const { TAG: _tag, ...withoutTag } = SAMPLE_PLACEHOLDERS;
      expect(() => renderManifest(text, withoutTag, file)).toThrow(MissingPlaceholderError);
      expect(() => renderManifest(text, { ...SAMPLE_PLACEHOLDERS, TAG: '' }, file)).toThrow(/no value for \$\{TAG\}/);
    }
  });

  it('reject a non-string annotation (an unquoted "1" is a YAML number Cloud Run refuses)', () => {
    const text = renderManifest(readFileSync(MANIFESTS.api, 'utf8'), SAMPLE_PLACEHOLDERS).replace('minScale: "1"', 'minScale: 1');
    expect(() => parseServiceManifest(text, 'api')).toThrow(ManifestShapeError);
  });

  it('ingestion: one-hour requests, low concurrency, two CPUs with one embedding worker per CPU, private', () => {
    expect(ingestion.timeoutSeconds).toBe(3600);
    expect(ingestion.containerConcurrency).toBeGreaterThanOrEqual(1);
    expect(ingestion.containerConcurrency).toBeLessThanOrEqual(8);
    expect(ingestion.limits).toEqual({ cpu: '2', memory: '2Gi' });
    expect(envValue(ingestion, 'EMBEDDING_WORKERS')).toBe(ingestion.limits.cpu);
    expect(['all', 'internal']).toContain(ingestion.serviceAnnotations['run.googleapis.com/ingress']);
    expect(ingestion.revisionAnnotations['run.googleapis.com/cloudsql-instances']).toBe('sample-project:europe-west1:docingest-pg');
    expect(ingestion.image).toBe('europe-west1-docker.pkg.dev/sample-project/docingest/ingestion:build-0001');
    expect(ingestion.serviceAccountName).toBe('docingest-ingestion@sample-project.iam.gserviceaccount.com');
  });

  it('api: always one instance with CPU always allocated, Redis through the VPC connector', () => {
    expect(api.revisionAnnotations['autoscaling.knative.dev/minScale']).toBe('1');
    expect(api.revisionAnnotations['run.googleapis.com/cpu-throttling']).toBe('false');
    expect(api.revisionAnnotations['run.googleapis.com/vpc-access-connector']).toBe('projects/sample-project/locations/europe-west1/connectors/docingest-connector');
    expect(api.revisionAnnotations['run.googleapis.com/cloudsql-instances']).toBe('sample-project:europe-west1:docingest-pg');
    expect(api.image).toBe('europe-west1-docker.pkg.dev/sample-project/docingest/api:build-0001');
    expect(envValue(api, 'MIGRATE_ON_START')).toBe('true');
  });

  it('the two services point at each other: URLs, audiences and allowed callers match', () => {
    const urlOf = (m: ServiceManifest) => `https://${m.name}-${SAMPLE_PLACEHOLDERS.PROJECT_NUMBER}.${SAMPLE_PLACEHOLDERS.REGION}.run.app`;
    expect(envValue(ingestion, 'OIDC_AUDIENCE')).toBe(urlOf(ingestion));
    expect(envValue(api, 'OIDC_AUDIENCE')).toBe(urlOf(api));
    expect(envValue(api, 'INGESTION_SERVICE_URL')).toBe(urlOf(ingestion));
    expect(envValue(ingestion, 'API_URL')).toBe(urlOf(api));
    expect(envValue(ingestion, 'OIDC_ALLOWED_CALLERS')).toBe(api.serviceAccountName);
    expect(envValue(api, 'OIDC_ALLOWED_CALLERS')).toBe(ingestion.serviceAccountName);
    expect(envValue(ingestion, 'GCS_BUCKET')).toBe(envValue(api, 'GCS_BUCKET'));
  });

  it('timeouts agree: the api waits for a dispatch as long as Cloud Run lets it run, shutdowns fit before SIGKILL', () => {
    expect(Number(envValue(api, 'DISPATCH_TIMEOUT_MS'))).toBe(ingestion.timeoutSeconds * 1000);
    for (const manifest of [ingestion, api]) {
      expect(Number(envValue(manifest, 'SHUTDOWN_GRACE_MS'))).toBeLessThan(CLOUD_RUN_SIGTERM_GRACE_MS);
    }
  });

  it('at full scale both services together stay within Cloud SQL connections', () => {
    // The apps' pool defaults (4 and 5) apply when the manifest does not set DB_POOL_SIZE.
    const pool = (m: ServiceManifest, fallback: number) => Number(envValue(m, 'DB_POOL_SIZE') ?? fallback);
    const maxScale = (m: ServiceManifest) => Number(m.revisionAnnotations['autoscaling.knative.dev/maxScale']);
    expect(maxScale(ingestion)).toBeGreaterThan(0);
    expect(maxScale(api)).toBeGreaterThan(0);
    expect(maxScale(ingestion) * pool(ingestion, 4) + maxScale(api) * pool(api, 5)).toBeLessThanOrEqual(CLOUD_SQL_CONNECTIONS);
    expect(pool(ingestion, 4)).toBeGreaterThanOrEqual(ingestion.containerConcurrency);
  });

  it('the api instances together never open more /ingest-file requests than the ingestion service takes at once', () => {
    const maxScale = (m: ServiceManifest) => Number(m.revisionAnnotations['autoscaling.knative.dev/maxScale']);
    const perApi = Number(envValue(api, 'MAX_IN_FLIGHT_DISPATCHES'));
    expect(perApi).toBeGreaterThanOrEqual(1);
    expect(perApi * maxScale(api)).toBeLessThanOrEqual(ingestion.containerConcurrency * maxScale(ingestion));
    // The app's default is the same figure, so a manifest without the variable behaves the same.
    expect(apiEnvSpec.MAX_IN_FLIGHT_DISPATCHES.default).toBe(perApi);
  });

  it('event streams leave the api instance request slots for everything else', () => {
    const streams = Number(envValue(api, 'MAX_EVENT_STREAMS'));
    expect(streams).toBeGreaterThanOrEqual(1);
    expect(streams).toBeLessThanOrEqual(api.containerConcurrency / 2);
  });
});
