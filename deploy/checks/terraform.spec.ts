import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataAccessProblems, invokerProblems, secretProblems, secretsWithoutVersion, serviceProblems, type Deployment } from './support/infra-problems';
import { DEPLOY_DIR, MANIFESTS, TERRAFORM_DIR } from './support/paths';
import { loadServiceManifest } from './support/service-manifest';
import { loadTerraform, parseHcl, referencedVariables, resolveLiteral, resourcesOf, TerraformParseError, type TerraformConfig } from './support/terraform';

/** A deep copy to mutate in a negative test without touching the shared one. */
function copy<T>(value: T): T {
  return structuredClone(value);
}

describe('Terraform (deploy/terraform)', () => {
  let tf: TerraformConfig;
  let deployment: Deployment;

  beforeAll(async () => {
    tf = await loadTerraform(TERRAFORM_DIR);
    deployment = { tf, manifests: { ingestion: loadServiceManifest(MANIFESTS.ingestion), api: loadServiceManifest(MANIFESTS.api) } };
  });

  it('parses, and a syntax error is reported with its file and line', async () => {
    expect(Object.keys(tf.files).length).toBeGreaterThanOrEqual(5);
    await expect(parseHcl('broken.tf', 'resource "a" "b" {\n  x =\n}\n')).rejects.toThrow(TerraformParseError);
    await expect(parseHcl('broken.tf', 'resource "a" "b" {\n  x =\n}\n')).rejects.toThrow(/broken\.tf:2/);
  });

  it('declares every variable it uses and uses every variable it declares; the example sets only declared ones', async () => {
    const declared = Object.keys(tf.variables).sort();
    expect([...referencedVariables(tf)].sort()).toEqual(declared);
    const example = await parseHcl('terraform.tfvars.example', readFileSync(join(TERRAFORM_DIR, 'terraform.tfvars.example'), 'utf8'));
    const exampleNames = Object.keys(example);
    expect(declared).toEqual(expect.arrayContaining(exampleNames));
    const withoutDefault = declared.filter((name) => !('default' in tf.variables[name]));
    expect(exampleNames).toEqual(expect.arrayContaining(withoutDefault));
  });

  it('pins its providers and keeps state in a remote backend', () => {
    const block = tf.terraform[0] as { required_providers?: Array<Record<string, { version?: string }>>; backend?: Record<string, unknown> };
    expect(block.required_providers?.[0].google.version).toMatch(/^~> \d+\.\d+/);
    expect(Object.keys(block.backend ?? {})).toEqual(['gcs']);
  });

  it('creates what the services use: PostgreSQL 15, Redis that never evicts, a private bucket, the connector, the registry', () => {
    const sql = Object.values(resourcesOf(tf, 'google_sql_database_instance'));
    expect(sql.map((s) => s.database_version)).toEqual(['POSTGRES_15']);
    const redis = Object.values(resourcesOf(tf, 'google_redis_instance'));
    expect(redis).toHaveLength(1);
    expect(redis[0].redis_configs).toMatchObject({ 'maxmemory-policy': 'noeviction' });
    const uploads = Object.values(resourcesOf(tf, 'google_storage_bucket')).find((b) => b.name === '${local.bucket}');
    expect(uploads).toMatchObject({ uniform_bucket_level_access: true, public_access_prevention: 'enforced' });
    expect(Object.keys(resourcesOf(tf, 'google_vpc_access_connector'))).toHaveLength(1);
    expect(Object.values(resourcesOf(tf, 'google_artifact_registry_repository')).map((r) => r.format)).toEqual(['DOCKER']);
    const apis = (Object.values(resourcesOf(tf, 'google_project_service'))[0].for_each as string).toString();
    for (const api of ['run', 'sqladmin', 'redis', 'secretmanager', 'vpcaccess', 'artifactregistry', 'cloudbuild']) {
      expect(apis).toContain(`${api}.googleapis.com`);
    }
  });

  it('agrees with the manifests on names, the connector, the database instance and the registry', () => {
    expect(serviceProblems(deployment)).toEqual([]);
    const connector = Object.values(resourcesOf(tf, 'google_vpc_access_connector'))[0];
    expect(deployment.manifests.api.revisionAnnotations['run.googleapis.com/vpc-access-connector']).toMatch(
      new RegExp(`/connectors/${resolveLiteral(tf, connector.name)}$`),
    );
    const instance = Object.values(resourcesOf(tf, 'google_sql_database_instance'))[0];
    for (const manifest of Object.values(deployment.manifests)) {
      expect(manifest.revisionAnnotations['run.googleapis.com/cloudsql-instances']).toMatch(new RegExp(`:${resolveLiteral(tf, instance.name)}$`));
    }
    const repository = Object.values(resourcesOf(tf, 'google_artifact_registry_repository'))[0];
    expect(deployment.manifests.ingestion.image).toContain(`/${resolveLiteral(tf, repository.repository_id)}/ingestion:`);
  });

  it('leaves revision settings to the manifests: the service shells set no env, image or scaling', () => {
    for (const service of Object.values(resourcesOf(tf, 'google_cloud_run_v2_service'))) {
      const template = (service.template as Array<Record<string, unknown>>)[0];
      const containers = template.containers as Array<Record<string, unknown>>;
      expect(containers.map((c) => Object.keys(c))).toEqual([['image']]);
      expect(containers[0].image).toBe('${var.placeholder_image}');
      expect(Object.keys(template).sort()).toEqual(['containers', 'service_account']);
    }
  });

  it('grants run.invoker exactly to the callers each app accepts, and never makes ingestion public', () => {
    expect(invokerProblems(deployment)).toEqual([]);

    const withoutApiInvoker = copy(deployment);
    delete withoutApiInvoker.tf.resources.google_cloud_run_v2_service_iam_member.api_invokes_ingestion;
    expect(invokerProblems(withoutApiInvoker)).toEqual([
      'docingest-ingestion accepts docingest-api@sample-project.iam.gserviceaccount.com but Terraform gives it no roles/run.invoker there',
    ]);

    const publicIngestion = copy(deployment);
    publicIngestion.tf.resources.google_cloud_run_v2_service_iam_member.oops = {
      name: '${google_cloud_run_v2_service.ingestion.name}',
      role: 'roles/run.invoker',
      member: 'allUsers',
    };
    expect(invokerProblems(publicIngestion)).toEqual(['docingest-ingestion must not be public (binding oops)']);
  });

  it('gives ingestion read-only access to uploads and Vertex AI, the api write access, both Cloud SQL', () => {
    expect(dataAccessProblems(deployment)).toEqual([]);
    const broken = copy(deployment);
    delete broken.tf.resources.google_storage_bucket_iam_member.ingestion_reads_uploads;
    expect(dataAccessProblems(broken)).toEqual(['docingest-ingestion needs roles/storage.objectViewer on the uploads bucket']);
    const noVertex = copy(deployment);
    delete noVertex.tf.resources.google_project_iam_member.ingestion_embeds_with_vertex;
    expect(dataAccessProblems(noVertex)).toEqual(['docingest-ingestion needs roles/aiplatform.user (Vertex AI embeddings)']);
  });

  it('creates every secret a manifest mounts and lets each service read only its own', () => {
    expect(secretProblems(deployment)).toEqual([]);
    const renamedSecret = copy(deployment);
    renamedSecret.manifests.api.env = renamedSecret.manifests.api.env.map((e) =>
      e.name === 'REDIS_URL' ? { name: e.name, secret: { name: 'docingest-redis', key: 'latest' } } : e,
    );
    expect(secretProblems(renamedSecret)).toEqual([
      'docingest-api mounts secret docingest-redis, which Terraform does not create (local.secret_ids)',
      'docingest-api may read secret docingest-redis-url but does not mount it',
    ]);
  });

  it('writes a version for every mounted secret but the ones the README says to add by hand', () => {
    const byHand = secretsWithoutVersion(deployment);
    expect(byHand).toEqual(['docingest-openai-api-key']);
    const readme = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');
    for (const id of byHand) expect(readme).toContain(`gcloud secrets versions add ${id}`);
  });
});
