import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { placeholdersOf, renderManifest } from '../render-manifest';
import { dependenciesOf, loadCloudBuild, referencesIn, SAMPLE_BUILTINS, substitute, type BuildStep, type CloudBuildConfig } from './support/cloudbuild';
import { DEPLOY_DIR, MANIFESTS, REPO_ROOT, TERRAFORM_DIR, type ServiceName } from './support/paths';
import { parseServiceManifest } from './support/service-manifest';
import { loadTerraform, resolveLiteral, resourcesOf, type TerraformConfig } from './support/terraform';

const SERVICES: ServiceName[] = ['ingestion', 'api'];

function step(config: CloudBuildConfig, id: string): BuildStep {
  const found = config.steps.find((s) => s.id === id);
  if (!found) throw new Error(`deploy/cloudbuild.yaml has no step ${id}`);
  return found;
}

/** The step's environment after Cloud Build's substitution, as a map. */
function stepEnv(config: CloudBuildConfig, s: BuildStep): Record<string, string> {
  return Object.fromEntries(s.env.map((e) => substitute(e, config).split(/=(.*)/s).slice(0, 2)));
}

describe('Cloud Build (deploy/cloudbuild.yaml)', () => {
  const config = loadCloudBuild(join(DEPLOY_DIR, 'cloudbuild.yaml'));
  let tf: TerraformConfig;

  beforeAll(async () => {
    tf = await loadTerraform(TERRAFORM_DIR);
  });

  it('parses, with unique step ids and waitFor pointing at real steps', () => {
    const ids = config.steps.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of config.steps) for (const w of s.waitFor ?? []) expect(['-', ...ids]).toContain(w);
  });

  it('uses only built-in or declared substitutions (Cloud Build refuses the build otherwise)', () => {
    const text = readFileSync(join(DEPLOY_DIR, 'cloudbuild.yaml'), 'utf8').replace(/^\s*#.*$/gm, '');
    const declared = new Set([...Object.keys(SAMPLE_BUILTINS), ...Object.keys(config.substitutions)]);
    expect(referencesIn(text).filter((name) => !declared.has(name))).toEqual([]);
    expect(() => substitute('${_NOPE}', config)).toThrow(/_NOPE is neither/);
  });

  it('runs the whole test suite before anything is built or deployed', () => {
    const test = step(config, 'test');
    expect(test.args.join('\n')).toMatch(/npm ci --ignore-scripts[^\n]*\n\s*npm test/);
    for (const later of ['build-ingestion', 'build-api', 'deploy-ingestion', 'deploy-api']) {
      expect(dependenciesOf(config, later).has('test')).toBe(true);
    }
  });

  it.each(SERVICES)('%s: builds its Dockerfile, pushes the image, and deploys exactly that image from the rendered manifest', (service) => {
    const build = step(config, `build-${service}`);
    const dockerfile = build.args[build.args.indexOf('--file') + 1];
    expect(dockerfile).toBe(`deploy/${service}.Dockerfile`);
    expect(existsSync(join(REPO_ROOT, dockerfile))).toBe(true);
    expect(build.args.at(-1)).toBe('.'); // the repository root is the build context (.dockerignore there)
    const pushed = substitute(step(config, `push-${service}`).args[1], config);
    expect(substitute(build.args[build.args.indexOf('--tag') + 1], config)).toBe(pushed);
    expect(config.images.map((i) => substitute(i, config))).toContain(pushed);

    // The render step's values fill every placeholder, and the image they name is the one pushed.
    const render = step(config, 'render-manifests');
    const values = stepEnv(config, render);
    const manifestText = readFileSync(MANIFESTS[service], 'utf8');
    expect(Object.keys(values)).toEqual(expect.arrayContaining(placeholdersOf(manifestText)));
    expect(render.args.join(' ')).toContain(`node deploy/render-manifest.js deploy/cloudrun/${service}.service.yaml > /workspace/rendered/${service}.service.yaml`);
    expect(parseServiceManifest(renderManifest(manifestText, values), service).image).toBe(pushed);

    const deploy = step(config, `deploy-${service}`);
    expect(deploy.entrypoint).toBe('gcloud');
    expect(deploy.args.slice(0, 4)).toEqual(['run', 'services', 'replace', `/workspace/rendered/${service}.service.yaml`]);
    expect(substitute(deploy.args[deploy.args.indexOf('--region') + 1], config)).toBe(values.REGION);
    expect([...dependenciesOf(config, deploy.id)]).toEqual(expect.arrayContaining([`push-${service}`, 'render-manifests']));
  });

  it('tests on the Node major the images run', () => {
    const major = (image: string) => /^node:(\d+)-/.exec(image)?.[1];
    const runtime = readFileSync(join(DEPLOY_DIR, 'ingestion.Dockerfile'), 'utf8').match(/^ARG NODE_IMAGE=(\S+)$/m)?.[1] ?? '';
    expect(major(step(config, 'test').name)).toBe(major(runtime));
    expect(major(runtime)).toBe('22');
  });

  it('deploys ingestion before the api', () => {
    expect(dependenciesOf(config, 'deploy-api').has('deploy-ingestion')).toBe(true);
  });

  it("its defaults name what Terraform creates, and Terraform's cloudbuild_substitutions output sets the same keys", () => {
    const one = (type: string) => Object.values(resourcesOf(tf, type))[0];
    expect(config.substitutions._REPOSITORY).toBe(resolveLiteral(tf, one('google_artifact_registry_repository').repository_id));
    expect(config.substitutions._SQL_INSTANCE).toBe(resolveLiteral(tf, one('google_sql_database_instance').name));
    expect(config.substitutions._VPC_CONNECTOR).toBe(resolveLiteral(tf, one('google_vpc_access_connector').name));
    expect(config.substitutions._REGION).toBe(tf.variables.region.default);
    // local.bucket defaults to "<project>-docingest-uploads"; so does _BUCKET.
    expect(String(tf.locals.bucket)).toContain('"${var.project_id}-docingest-uploads"');
    expect(substitute(config.substitutions._BUCKET, config)).toBe(`${SAMPLE_BUILTINS.PROJECT_ID}-docingest-uploads`);
    const output = JSON.stringify(tf.outputs.cloudbuild_substitutions.value);
    const outputKeys = [...output.matchAll(/(_[A-Z_]+)=/g)].map((m) => m[1]).sort();
    expect(outputKeys).toEqual(Object.keys(config.substitutions).sort());
  });
});
