import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { API_MODULE_ORDER, apiFolderImports } from './api-module-order';
import { findUntypedProjects, type ProjectGraphSlice, type SourceFile } from './module-boundaries';

const root = resolve(__dirname, '../../..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };

function workspaceGraph(): ProjectGraphSlice {
  const dir = mkdtempSync(join(tmpdir(), 'nx-graph-'));
  try {
    const file = join(dir, 'graph.json');
    execFileSync(process.execPath, [require.resolve('nx/bin/nx.js'), 'graph', `--file=${file}`], { cwd: root, env, stdio: 'pipe' });
    return JSON.parse(readFileSync(file, 'utf8')).graph;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

/**
 * The repository's own ESLint configuration run on made-up files at real paths: for each, the
 * boundary findings (rule and message). In a child process, as `npx eslint` runs it.
 */
function boundaryFindings(files: Array<{ path: string; text: string }>): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const file of JSON.parse(process.argv[1])) {
        const [result] = await eslint.lintText(file.text, { filePath: file.path });
        out.push(result.messages.filter((m) => /module-boundaries|no-restricted-syntax/.test(m.ruleId ?? '')).map((m) => m.ruleId + ': ' + m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((error) => { console.error(error); process.exit(2); });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script, JSON.stringify(files)], { cwd: root, env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }));
}

// Built, so that nx's own scan of this spec does not read them as imports of this project.
const alias = (name: string) => `@docingest/${name}`;

describe('module boundaries', () => {
  it('every project of this workspace has exactly one type: tag the rules know', () => {
    const graph = workspaceGraph();
    expect(Object.keys(graph.nodes)).toContain('contracts');
    expect(findUntypedProjects(graph)).toEqual([]);
    const standIns = Object.entries(graph.nodes).filter(([, n]) => n.data.tags?.includes('type:stand-in'));
    expect(standIns.map(([name]) => name).sort()).toEqual(['local-gcs', 'local-postgres', 'local-redis']);
  });

  it('refuses a project without a type tag, with two, or with one the rules do not know', () => {
    expect(
      findUntypedProjects({
        nodes: {
          loose: { data: { tags: [] } },
          twice: { data: { tags: ['type:app', 'type:lib'] } },
          odd: { data: { tags: ['type:e2e'] } },
          ok: { data: { tags: ['type:lib'] } },
        },
      }),
    ).toEqual([
      { project: 'loose', reason: 'no type: tag' },
      { project: 'twice', reason: 'several type: tags (type:app, type:lib)' },
      { project: 'odd', reason: 'unknown tag type:e2e' },
    ]);
  });

  it('ESLint refuses an app or library importing an app, a stand-in or test support, and lets tests, stand-ins and tools do what they need', () => {
    const cases: Array<{ path: string; text: string; refused: RegExp | RegExp[] | null }> = [
      // production code of apps and libraries
      { path: 'apps/api/src/boundary-probe.ts', text: `import '../../../cloudrun/ingestion/src/config';`, refused: /enforce-module-boundaries/ },
      { path: 'libs/contracts/src/boundary-probe.ts', text: `import '../../../apps/api/src/config/api-config';`, refused: /enforce-module-boundaries/ },
      {
        path: 'apps/api/src/boundary-probe.ts',
        text: `import '${alias('local-redis')}';`,
        refused: /enforce-module-boundaries: A project tagged with "type:app" can only depend on libs tagged with "type:lib"/,
      },
      {
        path: 'libs/vector-store/src/boundary-probe.ts',
        text: `import '${alias('local-postgres')}';`,
        refused: /enforce-module-boundaries: A project tagged with "type:lib"/,
      },
      { path: 'libs/vector-store/src/boundary-probe.ts', text: `export * from './testing/rows';`, refused: /no-restricted-syntax: test support/ },
      { path: 'cloudrun/ingestion/src/boundary-probe.ts', text: `import '${alias('embeddings')}/testing';`, refused: /no-restricted-syntax: test support/ },
      { path: 'cloudrun/ingestion/src/boundary-probe.ts', text: `import '${alias('document-parsing')}/testing';`, refused: /no-restricted-syntax: test support/ },
      {
        path: 'libs/vector-store/src/boundary-probe.ts',
        text: `import { useLocalPostgres } from '${alias('local-postgres')}/testing';`,
        refused: [/enforce-module-boundaries: A project tagged with "type:lib"/, /no-restricted-syntax: test support/],
      },
      // loaded at run time
      {
        path: 'cloudrun/ingestion/src/boundary-probe.ts',
        text: `export const gcs = import('${alias('local-gcs')}');`,
        refused: /enforce-module-boundaries: A project tagged with "type:app"/,
      },
      {
        path: 'cloudrun/ingestion/src/boundary-probe.ts',
        text: `export const stack = import('./testing/ingestion-stack');`,
        refused: /no-restricted-syntax: test support/,
      },
      {
        path: 'cloudrun/ingestion/src/boundary-probe.ts',
        text: `export const stack = require('../testing/ingestion-stack');`,
        refused: /no-restricted-syntax: test support/,
      },
      {
        path: 'cloudrun/ingestion/src/boundary-probe.ts',
        text: `export const worker = require.resolve('${alias('embeddings')}/testing');`,
        refused: /no-restricted-syntax: test support/,
      },
      // what may load them
      { path: 'cloudrun/ingestion/src/boundary-probe.ts', text: `import '${alias('contracts')}';`, refused: null },
      { path: 'apps/api/src/boundary-probe.e2e-spec.ts', text: `import '${alias('local-postgres')}';\nimport '../testing/api-stack';`, refused: null },
      { path: 'libs/vector-store/src/testing/boundary-probe.ts', text: `import '${alias('local-postgres')}';`, refused: null },
      { path: 'libs/vector-store/src/boundary-probe.spec.ts', text: `import { useLocalPostgres } from '${alias('local-postgres')}/testing';`, refused: null },
      { path: 'libs/local-postgres/src/boundary-probe.ts', text: `import './testing/raw-client';\nimport '${alias('local-redis')}';`, refused: null },
      { path: 'libs/chunking/bench/boundary-probe.bench.ts', text: `import '${alias('chunking')}';`, refused: null },
      { path: 'tools/fault-suite/src/boundary-probe.ts', text: `import '../../../apps/api/src/config/api-config';\nimport '${alias('local-gcs')}';`, refused: null },
    ];
    const findings = boundaryFindings(cases);
    cases.forEach((c, i) => {
      const seen = { path: c.path, text: c.text, findings: findings[i] };
      if (c.refused) expect(seen).toEqual({ ...seen, findings: [c.refused].flat().map((refused) => expect.stringMatching(refused)) });
      else expect(seen).toEqual({ ...seen, findings: [] });
    });
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
