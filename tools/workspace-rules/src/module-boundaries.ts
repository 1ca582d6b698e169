/**
 * What the module-boundary rules in eslint.config.mjs cannot say themselves: they read each
 * project's `type:` tag, and a project without one (or with a tag they do not know) would escape
 * every constraint without a word.
 */
export const PROJECT_TYPES = ['type:app', 'type:lib', 'type:stand-in', 'type:tool'] as const;

export interface ProjectGraphSlice {
  nodes: Record<string, { data: { tags?: string[] } }>;
}

/** Projects without exactly one known `type:` tag, with what is wrong. */
export function findUntypedProjects(graph: ProjectGraphSlice): Array<{ project: string; reason: string }> {
  const problems: Array<{ project: string; reason: string }> = [];
  for (const [project, node] of Object.entries(graph.nodes)) {
    const types = (node.data.tags ?? []).filter((tag) => tag.startsWith('type:'));
    if (types.length !== 1) problems.push({ project, reason: types.length ? `several type: tags (${types.join(', ')})` : 'no type: tag' });
    else if (!(PROJECT_TYPES as readonly string[]).includes(types[0])) problems.push({ project, reason: `unknown tag ${types[0]}` });
  }
  return problems;
}

export interface SourceFile {
  project: string;
  /** Path from the workspace root. */
  path: string;
  text: string;
}

export interface Violation {
  source: string;
  target: string;
  reason: string;
}

/**
 * Files only tests and benchmarks load: specs, benchmarks and everything in a `testing` folder (what tools/build.js leaves out; the
 * same list as TEST_SUPPORT in eslint.config.mjs).
 */
export function isTestSupportFile(path: string): boolean {
  return /\.((e2e-)?spec|bench)\.ts$/.test(path) || /(^|\/)(testing|bench)\//.test(path);
}
