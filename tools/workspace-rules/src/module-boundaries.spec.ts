import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findViolations, type ProjectGraphSlice } from './module-boundaries';

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

  it('refuses a project without a type tag', () => {
    const graph: ProjectGraphSlice = { nodes: { loose: { data: { tags: [] } } }, dependencies: {} };
    expect(findViolations(graph)).toHaveLength(1);
  });
});
