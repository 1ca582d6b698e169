/**
 * Who may import whom, by project tag. Apps are deployables: nothing imports them, and they
 * share code only through libs. Tools (launchers, the CLI, benchmarks) may use anything.
 * Stand-ins (local PostgreSQL, GCS, Redis) replace outside services in tests and the local stack:
 * the project graph counts test files too, so it allows them everywhere, and
 * `findTestSupportImports` keeps them (and every `testing` entry) out of production files.
 */
export const ALLOWED_DEPENDENCIES: Record<string, string[]> = {
  'type:app': ['type:lib', 'type:stand-in'],
  'type:lib': ['type:lib', 'type:stand-in'],
  'type:stand-in': ['type:lib', 'type:stand-in'],
  'type:tool': ['type:lib', 'type:stand-in', 'type:app', 'type:tool'],
};

export interface ProjectGraphSlice {
  nodes: Record<string, { data: { tags?: string[] } }>;
  dependencies: Record<string, Array<{ source: string; target: string }>>;
}

export interface Violation {
  source: string;
  target: string;
  reason: string;
}

function typeTag(tags: string[] | undefined): string | undefined {
  return tags?.find((t) => t.startsWith('type:'));
}

export function findViolations(graph: ProjectGraphSlice): Violation[] {
  const violations: Violation[] = [];
  for (const [name, node] of Object.entries(graph.nodes)) {
    if (!typeTag(node.data.tags)) violations.push({ source: name, target: name, reason: 'project has no type: tag' });
  }
  for (const edges of Object.values(graph.dependencies)) {
    for (const { source, target } of edges) {
      const from = graph.nodes[source];
      const to = graph.nodes[target];
      if (!from || !to) continue; // npm packages are not projects
      const sourceType = typeTag(from.data.tags);
      const targetType = typeTag(to.data.tags);
      if (!sourceType || !targetType) continue;
      if (!(ALLOWED_DEPENDENCIES[sourceType] ?? []).includes(targetType)) {
        violations.push({ source, target, reason: `${sourceType} may not import ${targetType}` });
      }
    }
  }
  return violations;
}

export interface SourceFile {
  project: string;
  /** Path from the workspace root. */
  path: string;
  text: string;
}

/**
 * Files only tests and benchmarks load: specs, benchmarks, test-document builders
 * (`fixtures.ts`), and everything in a `testing` folder (what tools/build.js leaves out).
 */
export function isTestSupportFile(path: string): boolean {
  return /\.((e2e-)?spec|bench)\.ts$/.test(path) || /(^|\/)fixtures\.ts$/.test(path) || /(^|\/)(testing|bench)\//.test(path);
}

// Static imports and re-exports, `import 'x'`, and loading at run time: `import('x')`, `require('x')`, `require.resolve('x')`.
const IMPORT = /(?:from|import\s*\(?|require(?:\.resolve)?\()\s*'([^']+)'/g;

/**
 * Imports by which production code of an app or lib would load test support: a stand-in
 * project, a `@docingest/<lib>/testing` entry, or a relative path into a `testing` folder.
 * Test files, tools and the stand-ins themselves may import all of these.
 */
export function findTestSupportImports(files: SourceFile[], tags: Record<string, string[] | undefined>): Violation[] {
  const standIns = new Set(Object.keys(tags).filter((name) => typeTag(tags[name]) === 'type:stand-in'));
  const violations: Violation[] = [];
  for (const file of files) {
    const type = typeTag(tags[file.project]);
    if ((type !== 'type:app' && type !== 'type:lib') || isTestSupportFile(file.path)) continue;
    for (const [, specifier] of file.text.matchAll(IMPORT)) {
      const project = /^@docingest\/([a-z-]+)/.exec(specifier)?.[1];
      const reason =
        project && standIns.has(project)
          ? `production code may not import the stand-in ${project}`
          : /^@docingest\/[a-z-]+\/(testing|fixtures)$/.test(specifier) || (specifier.startsWith('.') && /(^|\/)(testing|fixtures)(\/|$)/.test(specifier))
            ? `production code may not import test support (${specifier})`
            : undefined;
      if (reason) violations.push({ source: file.path, target: specifier, reason });
    }
  }
  return violations;
}
