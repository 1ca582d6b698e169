// One Jest setup for every project: SWC for speed, tsconfig paths resolved to sources.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const root = __dirname;

function moduleNameMapper() {
  const map = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    map[`^${alias.replace('/', '\\/')}$`] = path.join(root, target);
  }
  return map;
}

module.exports = function jestConfig(projectDir, overrides = {}) {
  return {
    rootDir: projectDir,
    displayName: path.relative(root, projectDir),
    testEnvironment: 'node',
    testMatch: ['<rootDir>/**/*.spec.ts', '<rootDir>/**/*.e2e-spec.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
            target: 'es2022',
          },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
        },
      ],
    },
    moduleNameMapper: moduleNameMapper(),
    testTimeout: 60_000,
    ...overrides,
  };
};
