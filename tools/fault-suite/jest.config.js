// Whole-system fault tests: real processes, real ports on loopback. Each wait inside a test has
// its own bound; this timeout is only the backstop. The reporter prints the fault matrix.
module.exports = {
  ...require('../../jest.preset.js')(__dirname, { testTimeout: 240000 }),
  reporters: ['default', '<rootDir>/src/matrix-reporter.js'],
};
