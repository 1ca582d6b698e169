import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';

export interface RequireGraph {
  /** Absolute paths of the compiled files reachable from the entry. */
  files: Set<string>;
  /** npm packages required when a file loads, with the files that require them. */
  packages: Map<string, Set<string>>;
  /** npm packages only required on first use (`await import()`), with the files that do. */
  lazyPackages: Map<string, Set<string>>;
  /** Relative requires that point at nothing. */
  unresolved: string[];
}

// SWC writes require("x") for imports but keeps the source's quotes in hand-written require.resolve('x').
const REQUIRE = /\brequire(?:\.resolve)?\((["'])([^"']+)\1\)/g;
// What SWC makes of `await import('x')`.
const LAZY_REQUIRE = /Promise\.resolve\(\)\.then\(\(\)=>\s*(?:\/\*#__PURE__\*\/\s*)?(?:_interop_require_\w+\()?require\((["'])([^"']+)\1\)/g;
const BUILTINS = new Set(builtinModules);

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function resolveFile(from: string, specifier: string): string | undefined {
  const target = resolve(dirname(from), specifier);
  return [target, `${target}.js`, `${target}.json`, resolve(target, 'index.js')].find((p) => existsSync(p) && statSync(p).isFile());
}

function add(map: Map<string, Set<string>>, name: string, file: string): void {
  if (!map.has(name)) map.set(name, new Set());
  map.get(name)!.add(file);
}

/**
 * The static require() graph of compiled CommonJS from an entry file: which of our files it
 * loads and which npm packages, eagerly or on first use.
 */
export function requireGraph(entry: string): RequireGraph {
  const graph: RequireGraph = { files: new Set(), packages: new Map(), lazyPackages: new Map(), unresolved: [] };
  const queue = [resolve(entry)];
  while (queue.length) {
    const file = queue.pop()!;
    if (graph.files.has(file)) continue;
    graph.files.add(file);
    if (!file.endsWith('.js')) continue;
    const code = readFileSync(file, 'utf8');
    const lazy = new Set([...code.matchAll(LAZY_REQUIRE)].map((m) => m[2]));
    for (const [, , specifier] of code.matchAll(REQUIRE)) {
      if (specifier.startsWith('.')) {
        const target = resolveFile(file, specifier);
        if (target) queue.push(target);
        else graph.unresolved.push(`${file} -> ${specifier}`);
      } else if (!specifier.startsWith('node:') && !BUILTINS.has(specifier)) {
        add(lazy.has(specifier) ? graph.lazyPackages : graph.packages, packageName(specifier), file);
      }
    }
  }
  // A package loaded eagerly anywhere is simply needed.
  for (const name of graph.packages.keys()) graph.lazyPackages.delete(name);
  return graph;
}
