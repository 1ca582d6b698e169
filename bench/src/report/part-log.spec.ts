import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..', '..');

// A run killed part way keeps what it measured: `npm run bench`'s own command, the chunker part
// then the storage part, killed (with everything it started) the moment the storage part begins.
describe('npm run bench, killed after its first part', () => {
  let out: string;
  beforeAll(() => (out = mkdtempSync(join(tmpdir(), 'bench-killed-'))));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("has printed that part's table and written its figures to the parts file before the next part starts", async () => {
    // Its own process group, so the kill takes the database server and the rest it started too.
    const bench = spawn(process.execPath, ['-r', '@swc-node/register', 'bench/src/main.ts', '--size', 'quick', '--only', 'chunking,storage', '--out', out], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const printed: string[] = [];
    let partsFile: string | undefined;
    const exited = new Promise((resolve) => bench.once('exit', resolve));
    for await (const line of createInterface({ input: bench.stdout! })) {
      printed.push(line);
      partsFile ??= /appended to (\S+\.jsonl)/.exec(line)?.[1];
      if (line.startsWith('storage alone:')) {
        process.kill(-bench.pid!, 'SIGKILL');
        break;
      }
    }
    await exited;

    expect(printed.join('\n')).toMatch(/\[chunking\] finished[\s\S]*Chunking alone[\s\S]*MB\/s per core[\s\S]*storage alone:/);
    expect(partsFile?.startsWith(`${out}/`)).toBe(true);
    const lines = readFileSync(partsFile!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.part)).toEqual(['start', 'chunking']);
    expect(lines[0].options).toMatchObject({ size: 'quick', phases: { chunking: true, storage: true, remote: false } });
    expect(lines[1].chunking.speeds).toHaveLength(2);
    expect(lines[1].chunking.equivalence.referenceChunks).toBeGreaterThan(0);
    // Killed before the end: no whole-run JSON, only the parts.
    expect(existsSync(partsFile!.replace(/\.jsonl$/, '.json'))).toBe(false);
  }, 300_000);
});
