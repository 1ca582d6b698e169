// ESLint for the whole repository (flat config): JavaScript's and typescript-eslint's recommended
// rules, formatting left to Prettier, and the module boundaries (docs/development.md#module-boundaries).
// `npm test` runs it (tools/lint); docs/development.md says what to run before landing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import { createProjectGraphAsync, workspaceRoot } from '@nx/devkit';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The boundary rule reads Nx's cached project graph and silently skips itself without one (a
// fresh clone): make it. Any nx command (npm test runs through nx) refreshes it.
if (!existsSync(join(workspaceRoot, '.nx/workspace-data/project-graph.json'))) await createProjectGraphAsync({ exitOnError: true });

/** Files only tests and benchmarks load (what tools/build.js leaves out of the images). */
const TEST_SUPPORT = ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/*.bench.ts', '**/testing/**', '**/bench/**'];
/** Where the apps, libraries and stand-ins live; tools (tools/, bench/, deploy/) may import anything, apps included. */
const PROJECT_DIRS = ['apps', 'cloudrun', 'libs'];
const PROJECT_SOURCES = PROJECT_DIRS.map((dir) => `${dir}/**/*.ts`);
/**
 * Who may import whom, by the `type:` tag of each project.json: apps are deployables, nothing
 * imports them (the rule also refuses importing any project of type application) and they share
 * code only through libraries. Stand-ins (local PostgreSQL, GCS, Redis) replace outside services
 * in tests and the local stack, so only test support may load them.
 */
const boundaries = (standIns, allowCircularSelfDependency = false) => [
  'error',
  {
    allowCircularSelfDependency,
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', ...standIns] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', ...standIns] },
      { sourceTag: 'type:stand-in', onlyDependOnLibsWithTags: ['type:lib', 'type:stand-in'] },
    ],
  },
];

// esquery regexes cannot hold a slash: \x2F stands for it.
/** `@docingest/<lib>/testing`, a relative path into `testing/`. */
const TEST_SUPPORT_PATH = String.raw`^(@docingest\x2F[a-z-]+\x2Ftesting|\.{1,2}\x2F(.*\x2F)?testing(\x2F.*)?)$`;
const only = (what) => `${what}: only tests, benchmarks and tools may load it (docs/development.md#module-boundaries)`;
/** Selectors for every way a module is loaded by name: import, re-export, import(), require(), require.resolve(). */
const loading = (pattern, what) => [
  { selector: `:matches(ImportDeclaration, ExportAllDeclaration, ExportNamedDeclaration, ImportExpression)[source.value=/${pattern}/]`, message: only(what) },
  { selector: `CallExpression[callee.name='require'][arguments.0.value=/${pattern}/]`, message: only(what) },
  { selector: `CallExpression[callee.object.name='require'][callee.property.name='resolve'][arguments.0.value=/${pattern}/]`, message: only(what) },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'reports/**', '.data/**', '.nx/**', 'tmp/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // A leading underscore names what is left out on purpose (`const { a: _a, ...rest } = x`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Plain Node scripts and Jest configs are CommonJS: require() is how they import.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The admin UI's script runs in the browser.
    files: ['libs/admin-ui/src/static/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    files: PROJECT_SOURCES,
    ignores: TEST_SUPPORT,
    plugins: { '@nx': nx },
    rules: { '@nx/enforce-module-boundaries': boundaries([]) },
  },
  {
    files: PROJECT_DIRS.flatMap((dir) => TEST_SUPPORT.map((support) => `${dir}/${support}`)),
    plugins: { '@nx': nx },
    // Tests and benchmarks may load stand-ins, and their own library through its public name, as its users do.
    rules: { '@nx/enforce-module-boundaries': boundaries(['type:stand-in'], true) },
  },
  {
    // Production code of apps and libraries never loads test support through a path either, in
    // any form that loads a module (the stand-ins, which exist for tests, may).
    files: PROJECT_SOURCES,
    ignores: [...TEST_SUPPORT, 'libs/local-*/**'],
    rules: { 'no-restricted-syntax': ['error', ...loading(TEST_SUPPORT_PATH, 'test support')] },
  },
  {
    // Test harnesses read HTTP answers as loose JSON, the way a test asserts on them.
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/testing/**/*.ts', 'tools/fault-suite/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
