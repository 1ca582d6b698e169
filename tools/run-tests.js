#!/usr/bin/env node
// Runs every project's tests through Nx and ends with one summary line,
// "N passed, N failed[, N skipped]", counted from each project's Jest JSON report.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const reportDir = path.join(root, 'reports', 'jest');
fs.rmSync(reportDir, { recursive: true, force: true });
fs.mkdirSync(reportDir, { recursive: true });

const extra = process.argv.slice(2);
const nx = spawnSync(process.execPath, [require.resolve('nx/bin/nx.js'), 'run-many', '-t', 'test', '--parallel=1', '--outputStyle=stream', ...extra], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
const projects = [];
for (const file of fs.readdirSync(reportDir).filter((f) => f.endsWith('.json'))) {
  const report = JSON.parse(fs.readFileSync(path.join(reportDir, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  // A suite that cannot even load reports no failed test; count it as one so it is never silent.
  const brokenSuites = report.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
  failed += brokenSuites;
  projects.push(file.replace(/\.json$/, ''));
}
const expected = JSON.parse(
  spawnSync(process.execPath, [require.resolve('nx/bin/nx.js'), 'show', 'projects', '--with-target=test', '--json'], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  }).stdout.toString() || '[]',
);
const missing = extra.length ? [] : expected.filter((p) => !projects.includes(p));
if (missing.length) {
  console.error(`no test report from: ${missing.join(', ')}`);
  failed += missing.length;
}
if (nx.status !== 0 && failed === 0) failed = 1;

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
