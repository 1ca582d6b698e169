#!/usr/bin/env node
// Production build: every TypeScript file under apps/, cloudrun/ and libs/ compiled by SWC to
// CommonJS in <outDir> with the same relative layout, `@docingest/*` aliases rewritten to relative
// paths, and the non-TypeScript files the code reads at run time (migrations, static files)
// copied beside it. The settings match jest.preset.js, so the build runs the code the tests ran.
//
//   node tools/build.js [--out-dir dist]
//
// Only production code goes in: tests (*.spec.ts, *.e2e-spec.ts, bench/), test helpers
// (`testing/` folders, reached through `@docingest/<lib>/testing`) and the local stand-ins for Cloud SQL, GCS and Memorystore (libs/local-*) are
// left out. The build ends by checking that every relative require() in the output resolves, so
// production code that reaches for any of them fails here, not in production.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');

const ROOT = path.resolve(__dirname, '..');
const SOURCE_DIRS = ['apps', 'cloudrun', 'libs'];
const SKIPPED_DIRS = new Set(['node_modules', 'bench', 'coverage', 'dist', 'tmp', 'testing']);
/** What `npm start` and the tests run instead of Google Cloud: never part of an image. */
const STAND_IN_LIBS = new Set(['libs/local-postgres', 'libs/local-gcs', 'libs/local-redis']);
/** Project tooling, not run-time files. */
const NOT_ASSETS = [/^project\.json$/, /^jest\.config\.[cm]?js$/, /^tsconfig.*\.json$/, /\.md$/, /^\.eslintrc/];
const TEST_FILE = /\.(spec|e2e-spec|test)\.ts$/;

class BuildError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BuildError';
  }
}

function swcOptions(root, file) {
  const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
  return {
    filename: file,
    sourceMaps: true,
    // Paths in the map are relative to the emitted file, so a stack trace names the .ts source.
    sourceFileName: path.relative(path.dirname(file), file),
    swcrc: false,
    configFile: false,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      // SWC rewrites aliases only with an absolute baseUrl.
      baseUrl: root,
      paths: compilerOptions.paths,
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  };
}

/** Every file under the source folders, split into TypeScript to compile and assets to copy. */
function collectSources(root) {
  const typescript = [];
  const assets = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.') && !STAND_IN_LIBS.has(path.relative(root, full).split(path.sep).join('/'))) walk(full);
      } else if (entry.isFile()) {
        if (entry.name.endsWith('.d.ts') || TEST_FILE.test(entry.name)) continue;
        if (entry.name.endsWith('.ts')) typescript.push(full);
        else if (!NOT_ASSETS.some((re) => re.test(entry.name))) assets.push(full);
      }
    }
  };
  for (const dir of SOURCE_DIRS) if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
  return { typescript, assets };
}

async function inBatches(items, size, fn) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

const RELATIVE_REQUIRE = /require\("(\.{1,2}\/[^"]*)"\)/g;

function resolvesInOutput(fromFile, specifier) {
  const target = path.resolve(path.dirname(fromFile), specifier);
  return [target, `${target}.js`, `${target}.json`, path.join(target, 'index.js')].some((p) => fs.existsSync(p) && fs.statSync(p).isFile());
}

/** Every relative require() of the emitted code points at a file that was emitted or copied. */
function checkRelativeRequires(outDir, emitted) {
  const broken = [];
  for (const file of emitted) {
    const code = fs.readFileSync(file, 'utf8');
    for (const [, specifier] of code.matchAll(RELATIVE_REQUIRE)) {
      if (!resolvesInOutput(file, specifier)) broken.push(`${path.relative(outDir, file)} requires "${specifier}"`);
    }
  }
  if (broken.length) throw new BuildError(`the build output has unresolved imports (a source was skipped?):\n  ${broken.join('\n  ')}`);
}

/**
 * Compiles the repository at `root` into `outDir` (emptied first).
 * @returns {Promise<{ outDir: string, compiled: number, copied: number }>}
 */
async function build({ root = ROOT, outDir = path.join(root, 'dist') } = {}) {
  outDir = path.resolve(root, outDir);
  const insideOut = path.relative(outDir, root);
  const isAncestorOfRoot = !insideOut.startsWith('..') && !path.isAbsolute(insideOut);
  if (isAncestorOfRoot || SOURCE_DIRS.some((d) => !path.relative(path.join(root, d), outDir).startsWith('..'))) {
    throw new BuildError(`refusing to empty ${outDir}: choose a dedicated output folder`);
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  const { typescript, assets } = collectSources(root);
  if (typescript.length === 0) throw new BuildError(`no TypeScript found under ${SOURCE_DIRS.join(', ')} in ${root}`);

  const emitted = [];
  const failures = [];
  // SWC works on its own thread pool; a bounded batch keeps memory flat on small machines.
  await inBatches(typescript, 16, async (file) => {
    const target = path.join(outDir, path.relative(root, file)).replace(/\.ts$/, '.js');
    try {
      const { code, map } = await swc.transformFile(file, swcOptions(root, file));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
      if (map) fs.writeFileSync(`${target}.map`, map);
      emitted.push(target);
    } catch (error) {
      failures.push(`${path.relative(root, file)}: ${error.message ?? error}`);
    }
  });
  if (failures.length) throw new BuildError(`SWC could not compile ${failures.length} file(s):\n${failures.join('\n')}`);

  for (const file of assets) {
    const target = path.join(outDir, path.relative(root, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
    if (target.endsWith('.js')) emitted.push(target);
  }
  checkRelativeRequires(outDir, emitted);
  return { outDir, compiled: typescript.length, copied: assets.length };
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out-dir') options.outDir = argv[++i];
    else if (argv[i].startsWith('--out-dir=')) options.outDir = argv[i].slice('--out-dir='.length);
    else throw new BuildError(`unknown argument ${argv[i]}; usage: node tools/build.js [--out-dir <dir>]`);
  }
  return options;
}

if (require.main === module) {
  const started = Date.now();
  Promise.resolve()
    .then(() => build(parseArgs(process.argv.slice(2))))
    .then(({ outDir, compiled, copied }) => {
      console.log(`built ${compiled} files, copied ${copied} assets into ${path.relative(process.cwd(), outDir) || '.'} in ${Date.now() - started} ms`);
    })
    .catch((error) => {
      console.error(error instanceof BuildError ? error.message : error);
      process.exit(1);
    });
}

module.exports = { build, BuildError };
