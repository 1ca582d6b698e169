/**
 * Who may import whom, by project tag. Apps are deployables: nothing imports them, and they
 * share code only through libs. Tools (launchers, the CLI, benchmarks) may use anything.
 */
export const ALLOWED_DEPENDENCIES: Record<string, string[]> = {
  'type:app': ['type:lib'],
  'type:lib': ['type:lib'],
  'type:tool': ['type:lib', 'type:app', 'type:tool'],
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
