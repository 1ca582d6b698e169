import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { copiesFrom, execForm, type Dockerfile } from './dockerfile';
import { requireGraph } from './require-graph';

/** package-lock.json (v3): every installed package by its node_modules path. */
export interface Lockfile {
  packages: Record<string, { version?: string; dev?: boolean }>;
}

/** A package only test helpers load on first use, and from where (a dist-relative path). */
export interface AllowedLazyDevPackage {
  name: string;
  from: string;
}

export interface ImageCheckInput {
  dockerfile: Dockerfile;
  /** The output of tools/build.js, standing for the build stage's /app/dist. */
  buildOut: string;
  lockfile: Lockfile;
  allowedLazyDevPackages?: AllowedLazyDevPackage[];
}

const APP_DIR = '/app';

function runArgs(stageInstructions: Dockerfile['stages'][number]['instructions']): string[] {
  return stageInstructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
}

/**
 * What the image would be missing at run time, worked out without Docker: the CMD's compiled
 * entry must exist, every file its require() graph reaches must be inside what the runtime
 * stage copies from the build stage, and every package it requires must be one that
 * `npm ci --omit=dev` installs from the lockfile (present and not dev-only). A package loaded
 * only on first use (`await import()`) may be missing if it is listed as allowed from that file.
 */
export function imageProblems({ dockerfile, buildOut, lockfile, allowedLazyDevPackages = [] }: ImageCheckInput): string[] {
  const problems: string[] = [];
  const build = dockerfile.stages.find((s) => s.name === 'build');
  const runtime = dockerfile.stages.at(-1);
  if (!build || !runtime || runtime === build) return ['expected a "build" stage and a separate runtime stage'];

  const buildRuns = runArgs(build.instructions);
  if (!buildRuns.some((r) => /\bnpm ci\b/.test(r))) problems.push('the build stage does not run npm ci');
  if (!buildRuns.some((r) => /\bnode tools\/build\.js\b/.test(r))) problems.push('the build stage does not run node tools/build.js');

  const runtimeRuns = runArgs(runtime.instructions);
  if (!runtimeRuns.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))) problems.push('the runtime stage must install with npm ci --omit=dev');
  const copiesLockfile = runtime.instructions.some((i) => i.keyword === 'COPY' && !i.args.startsWith('--from') && i.args.includes('package-lock.json'));
  if (!copiesLockfile) problems.push('the runtime stage must copy package-lock.json (exact tested versions)');
  const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
  if (!user || user === 'root' || user === '0') problems.push('the runtime stage must end as a non-root USER');
  if (runtime.instructions.some((i) => i.keyword === 'COPY' && /--from=build\s+\/app\/node_modules/.test(i.args))) {
    problems.push('node_modules must come from npm ci --omit=dev, not from the build stage (dev dependencies)');
  }

  const cmd = execForm(runtime.instructions.filter((i) => i.keyword === 'CMD').at(-1));
  if (!cmd || cmd[0] !== 'node' || !cmd[1]?.startsWith('dist/')) return [...problems, 'CMD must be the exec form ["node", "dist/.../main.js"]'];
  const entry = join(buildOut, cmd[1].slice('dist/'.length));
  if (!existsSync(entry)) return [...problems, `CMD runs ${cmd[1]}, which the build does not produce`];

  // Folders of dist the runtime stage receives, relative to dist.
  const copied = copiesFrom(runtime, 'build')
    .map(([src]) => src)
    .filter((src) => src.startsWith(`${APP_DIR}/dist`))
    .map((src) => relative(`${APP_DIR}/dist`, src));
  const graph = requireGraph(entry);
  for (const missing of graph.unresolved) problems.push(`unresolved require: ${missing}`);
  const outside = new Set<string>();
  for (const file of graph.files) {
    const inDist = relative(buildOut, file);
    if (!copied.some((dir) => dir === '' || inDist === dir || inDist.startsWith(`${dir}${sep}`))) outside.add(inDist.split(sep).slice(0, 2).join('/'));
  }
  for (const dir of outside) problems.push(`dist/${dir} is required by ${cmd[1]} but not copied into the runtime stage`);

  // The build stage compiles only the source folders it copies in.
  const buildSources = build.instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from')).map((i) => i.args.split(/\s+/)[0]);
  const topDirs = new Set([...graph.files].map((f) => relative(buildOut, f).split(sep)[0]));
  for (const dir of topDirs) if (!buildSources.includes(dir)) problems.push(`the build stage does not copy ${dir}/, which ${cmd[1]} needs`);

  const installed = (name: string) => {
    const entry = lockfile.packages[`node_modules/${name}`];
    return entry ? (entry.dev ? 'dev-only' : 'installed') : 'absent';
  };
  for (const name of [...graph.packages.keys()].sort()) {
    const state = installed(name);
    if (state === 'absent') problems.push(`${name} is required at run time but is not in package-lock.json`);
    if (state === 'dev-only') problems.push(`${name} is required at run time but only dev dependencies bring it (missing from the image)`);
  }
  for (const [name, files] of [...graph.lazyPackages].sort(([a], [b]) => a.localeCompare(b))) {
    if (installed(name) === 'installed') continue;
    for (const file of files) {
      const from = relative(buildOut, file).split(sep).join('/');
      if (!allowedLazyDevPackages.some((a) => a.name === name && a.from === from)) {
        problems.push(`${name} is loaded on first use by dist/${from} but is missing from the image (${installed(name)})`);
      }
    }
  }
  return problems;
}

/** The npm packages the compiled entry requires (eagerly or on first use), for assertions on what the image carries. */
export function runtimePackages(buildOut: string, entryInDist: string): Set<string> {
  const graph = requireGraph(join(buildOut, entryInDist));
  return new Set([...graph.packages.keys(), ...graph.lazyPackages.keys()]);
}
