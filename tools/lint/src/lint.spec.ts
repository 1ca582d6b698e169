import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

// ESLint, Prettier and the TypeScript compiler over the whole repository, as part of `npm test` (and so of CI). A failure
// names each finding and the command that fixes or shows it; docs/development.md says more.
const root = resolve(__dirname, '../../..');
const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, [join(root, 'node_modules', script), ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NX_DAEMON: 'false' },
  });

describe('lint and format', () => {
  it('ESLint finds nothing (JavaScript and typescript-eslint recommended rules)', () => {
    const eslint = run('eslint/bin/eslint.js', ['--format', 'json', '.']);
    if (eslint.status !== 0 && eslint.status !== 1) throw new Error(`ESLint did not run (exit ${eslint.status}):\n${eslint.stderr}`);
    const results = JSON.parse(eslint.stdout) as Array<{ filePath: string; messages: Array<{ line: number; ruleId: string | null; message: string }> }>;
    const findings = results.flatMap((file) => file.messages.map((m) => `${file.filePath.slice(root.length + 1)}:${m.line}  ${m.ruleId ?? 'error'}  ${m.message}`));
    if (findings.length) {
      throw new Error(
        `ESLint found ${findings.length} problem(s):\n  ${findings.join('\n  ')}\n\nFix what it can with \`npx eslint --fix <files>\`, the rest by hand; see docs/development.md.`,
      );
    }
  });

  it('TypeScript finds no type error in any project (tsc --noEmit over tsconfig.json)', () => {
    // Jest compiles with SWC, which strips types without checking them: only tsc sees a type error.
    const tsc = run('typescript/bin/tsc', ['-p', 'tsconfig.json', '--noEmit', '--pretty', 'false']);
    if (tsc.status !== 0)
      throw new Error(`tsc found type errors (exit ${tsc.status}):\n${tsc.stdout}${tsc.stderr}\nSee them with \`npx tsc -p tsconfig.json --noEmit\`.`);
  }, 240_000);

  it('Prettier has nothing to reformat', () => {
    const prettier = run('prettier/bin/prettier.cjs', ['--list-different', '**/*.{ts,js,mjs}']);
    if (prettier.status !== 0 && prettier.status !== 1) throw new Error(`Prettier did not run (exit ${prettier.status}):\n${prettier.stderr}`);
    const files = prettier.stdout.split('\n').filter(Boolean);
    if (files.length)
      throw new Error(
        `Prettier would reformat ${files.length} file(s):\n  ${files.join('\n  ')}\n\nRun \`npx prettier --write ${files.join(' ')}\` (or \`npm run format\`); see docs/development.md.`,
      );
  });
});
