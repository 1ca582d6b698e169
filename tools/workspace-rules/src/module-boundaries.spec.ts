import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { API_MODULE_ORDER, apiFolderImports } from './api-module-order';
import { findTestSupportImports, findViolations, type ProjectGraphSlice, type SourceFile } from './module-boundaries';

const root = resolve(__dirname, '../../..');

function workspaceGraph(): ProjectGraphSlice {
  const dir = mkdtempSync(join(tmpdir(), 'nx-graph-'));
  try {
    const file = join(dir, 'graph.json');
    execFileSync(process.execPath, [require.resolve('nx/bin/nx.js'), 'graph', `--file=${file}`], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      stdio: 'pipe',
    });
    return JSON.parse(readFileSync(file, 'utf8')).graph;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Project names imported through `@docingest/<name>` anywhere under a directory. */
function aliasImports(dir: string): string[] {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.parentPath.includes('node_modules')) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const match of text.matchAll(/from '@docingest\/([a-z-]+)'/g)) found.add(match[1]);
  }
  return [...found];
}

/** Every TypeScript file of every project, for the rules that read sources. */
function workspaceSources(graph: ProjectGraphSlice): SourceFile[] {
  const files: SourceFile[] = [];
  for (const [project, node] of Object.entries(graph.nodes)) {
    const projectRoot = (node.data as { root?: string }).root;
    if (!projectRoot) continue;
    for (const entry of readdirSync(join(root, projectRoot), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.parentPath.includes('node_modules')) continue;
      const path = join(entry.parentPath, entry.name);
      files.push({ project, path: relative(root, path), text: readFileSync(path, 'utf8') });
    }
  }
  return files;
}

const node = (tag: string) => ({ data: { tags: [tag] } });

describe('module boundaries', () => {
  it('this workspace breaks none of them', () => {
    const graph = workspaceGraph();
    expect(Object.keys(graph.nodes)).toContain('contracts');
    expect(findViolations(graph)).toEqual([]);
  });

  it('holds an edge for every alias import found in the sources (the rule sees real imports)', () => {
    const graph = workspaceGraph();
    const roots = Object.fromEntries(Object.keys(graph.nodes).map((name) => [name, (graph.nodes[name].data as { root?: string }).root ?? '']));
    for (const [project, projectRoot] of Object.entries(roots)) {
      const imported = aliasImports(join(root, projectRoot)).filter((target) => target !== project);
      const edges = (graph.dependencies[project] ?? []).map((edge) => edge.target);
      for (const target of imported) expect({ project, imports: target, edge: edges.includes(target) }).toEqual({ project, imports: target, edge: true });
    }
  });

  it('refuses an app importing an app, and a lib importing an app', () => {
    const graph: ProjectGraphSlice = {
      nodes: { api: node('type:app'), ingestion: node('type:app'), contracts: node('type:lib') },
      dependencies: {
        api: [
          { source: 'api', target: 'ingestion' },
          { source: 'api', target: 'contracts' },
        ],
        contracts: [{ source: 'contracts', target: 'api' }],
      },
    };
    expect(findViolations(graph)).toEqual([
      { source: 'api', target: 'ingestion', reason: 'type:app may not import type:app' },
      { source: 'contracts', target: 'api', reason: 'type:lib may not import type:app' },
    ]);
  });

  it('keeps stand-ins and testing entries out of production files of this workspace', () => {
    const graph = workspaceGraph();
    const tags = Object.fromEntries(Object.entries(graph.nodes).map(([name, n]) => [name, n.data.tags]));
    expect(Object.values(tags).filter((t) => t?.includes('type:stand-in'))).toHaveLength(3);
    expect(findTestSupportImports(workspaceSources(graph), tags)).toEqual([]);
  });

  it('refuses production code loading a stand-in or test support, and lets tests, tools and stand-ins do it', () => {
    const tags = { api: ['type:app'], vectors: ['type:lib'], 'local-postgres': ['type:stand-in'], bench: ['type:tool'] };
    const file = (project: string, path: string, text: string): SourceFile => ({ project, path, text });
    // Built, so that this spec's own alias-import scan does not read these as imports of its own.
    const standIn = `import { startLocalPostgres } from '${'@docingest/local-postgres'}';`;
    expect(
      findTestSupportImports(
        [
          file('api', 'apps/api/src/main.ts', standIn),
          file('vectors', 'libs/vectors/src/index.ts', `export { fake } from './testing/fake';\nimport { rows } from '${'@docingest/chunks/testing'}';`),
          file('api', 'apps/api/src/db.e2e-spec.ts', standIn),
          file('vectors', 'libs/vectors/src/testing/stack.ts', standIn),
          file('vectors', 'libs/vectors/bench/insert.bench.ts', `export * from '../src/testing/rows';`),
          file('bench', 'bench/src/main.ts', standIn),
          file('local-postgres', 'libs/local-postgres/src/index.ts', "export * from './testing/raw-client';"),
        ],
        tags,
      ),
    ).toEqual([
      { source: 'apps/api/src/main.ts', target: '@docingest/local-postgres', reason: 'production code may not import the stand-in local-postgres' },
      { source: 'libs/vectors/src/index.ts', target: './testing/fake', reason: 'production code may not import test support (./testing/fake)' },
      { source: 'libs/vectors/src/index.ts', target: '@docingest/chunks/testing', reason: 'production code may not import test support (@docingest/chunks/testing)' },
    ]);
  });

  it('sees test support loaded at run time too: import(), require() and require.resolve()', () => {
    const tags = { ingestion: ['type:app'], 'local-gcs': ['type:stand-in'] };
    const file = (text: string): SourceFile => ({ project: 'ingestion', path: 'cloudrun/ingestion/src/main.ts', text });
    expect(
      findTestSupportImports(
        [
          file(`const gcs = await import('${'@docingest/local-gcs'}');`),
          file(`const { stack } = require('./testing/ingestion-stack');`),
          file(`const worker = require.resolve('${'@docingest/embeddings/testing'}');`),
        ],
        tags,
      ).map((v) => v.target),
    ).toEqual(['@docingest/local-gcs', './testing/ingestion-stack', '@docingest/embeddings/testing']);
  });

  it('refuses a project without a type tag', () => {
    const graph: ProjectGraphSlice = { nodes: { loose: { data: { tags: [] } } }, dependencies: {} };
    expect(findViolations(graph)).toHaveLength(1);
  });

  it("keeps the api's folders in their module order: none imports a folder above it", () => {
    const graph = workspaceGraph();
    const api = workspaceSources(graph).filter((file) => file.project === 'api');
    const src = 'apps/api/src';
    const folders = readdirSync(join(root, src), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'testing')
      .map((entry) => entry.name);
    // A new folder must be given its place in the order.
    expect(folders.sort()).toEqual([...API_MODULE_ORDER].sort());
    const { between, backUp } = apiFolderImports(api, src);
    expect(between).toBeGreaterThan(20);
    expect(backUp).toEqual([]);
  });

  it('counts an import of a folder above, or of a folder outside the order, and lets tests import anything', () => {
    const file = (path: string, text: string): SourceFile => ({ project: 'api', path, text });
    const order = ['files', 'ingestions', 'config'];
    expect(
      apiFolderImports(
        [
          file('src/files/files.service.ts', "import { LinksRepository } from '../ingestions/links.repository';\nimport { x } from './upload';"),
          file('src/ingestions/links.repository.ts', "import { FilesRepository } from '../files/files.repository';\nimport type { C } from '../config/c';"),
          file('src/config/c.ts', "import { y } from '../stray/y';"),
          file('src/ingestions/polling.e2e-spec.ts', "import { FilesRepository } from '../files/files.repository';"),
          file('src/app.module.ts', "import { FilesModule } from './files/files.module';"),
        ],
        'src',
        order,
      ),
    ).toEqual({
      between: 4,
      backUp: [
        {
          source: 'src/ingestions/links.repository.ts',
          target: '../files/files.repository',
          reason: 'ingestions may not import files, which comes before it in the order',
        },
        { source: 'src/config/c.ts', target: '../stray/y', reason: "stray is not in the api's module order" },
      ],
    });
  });
});
