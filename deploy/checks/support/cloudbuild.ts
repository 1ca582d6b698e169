import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface BuildStep {
  id: string;
  name: string;
  entrypoint?: string;
  args: string[];
  env: string[];
  waitFor?: string[];
}

export interface CloudBuildConfig {
  steps: BuildStep[];
  substitutions: Record<string, string>;
  options: Record<string, unknown>;
  images: string[];
}

/** What Cloud Build supplies to every build (sample values). */
export const SAMPLE_BUILTINS: Record<string, string> = {
  PROJECT_ID: 'sample-project',
  PROJECT_NUMBER: '123456789012',
  BUILD_ID: '0c6f3a5e-1111-2222-3333-444455556666',
  LOCATION: 'europe-west1',
};

export function loadCloudBuild(file: string): CloudBuildConfig {
  const doc = parse(readFileSync(file, 'utf8'), { uniqueKeys: true, strict: true }) as Record<string, unknown>;
  const steps = (doc.steps as Array<Record<string, unknown>>).map((s, i) => ({
    id: String(s.id ?? `#${i}`),
    name: String(s.name),
    entrypoint: s.entrypoint as string | undefined,
    args: ((s.args as unknown[]) ?? []).map(String),
    env: ((s.env as unknown[]) ?? []).map(String),
    waitFor: s.waitFor as string[] | undefined,
  }));
  return {
    steps,
    substitutions: (doc.substitutions ?? {}) as Record<string, string>,
    options: (doc.options ?? {}) as Record<string, unknown>,
    images: ((doc.images as unknown[]) ?? []).map(String),
  };
}

const REFERENCE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Every `$NAME` / `${NAME}` a string refers to (`$$` is an escaped dollar). */
export function referencesIn(text: string): string[] {
  return [...text.replace(/\$\$/g, '').matchAll(REFERENCE)].map((m) => m[1] ?? m[2]);
}

/**
 * Cloud Build's substitution: built-ins, then user substitutions (whose defaults may refer to
 * built-ins, as dynamicSubstitutions allows). Unknown names throw, as Cloud Build refuses them.
 */
export function substitute(text: string, config: CloudBuildConfig, overrides: Record<string, string> = {}): string {
  const values: Record<string, string> = { ...SAMPLE_BUILTINS };
  for (const [name, value] of Object.entries({ ...config.substitutions, ...overrides })) values[name] = expand(String(value), SAMPLE_BUILTINS);
  return expand(text, values);
}

function expand(text: string, values: Record<string, string>): string {
  return text
    .split('$$')
    .map((part) =>
      part.replace(REFERENCE, (_, braced: string | undefined, bare: string | undefined) => {
        const name = braced ?? bare!;
        if (!(name in values)) throw new Error(`$${name} is neither a built-in nor a declared substitution`);
        return values[name];
      }),
    )
    .join('$');
}

/** Ids of the steps a step waits for, directly or not (Cloud Build: no waitFor = every earlier step). */
export function dependenciesOf(config: CloudBuildConfig, id: string): Set<string> {
  const index = config.steps.findIndex((s) => s.id === id);
  if (index < 0) throw new Error(`no step ${id}`);
  const direct = (i: number): string[] => {
    const step = config.steps[i];
    if (!step.waitFor) return config.steps.slice(0, i).map((s) => s.id);
    return step.waitFor.filter((w) => w !== '-');
  };
  const seen = new Set<string>();
  const visit = (i: number) => {
    for (const dep of direct(i)) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      visit(config.steps.findIndex((s) => s.id === dep));
    }
  };
  visit(index);
  return seen;
}
