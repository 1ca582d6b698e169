// ESLint for the whole repository (flat config): JavaScript's and typescript-eslint's recommended
// rules, formatting left to Prettier. `npm test` runs it (tools/lint); docs/development.md says
// what to run before landing. Module boundaries stay with tools/workspace-rules (see there).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
    // Test harnesses read HTTP answers as loose JSON, the way a test asserts on them.
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/testing/**/*.ts', 'tools/fault-suite/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
