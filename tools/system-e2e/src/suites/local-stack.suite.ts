import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSystem } from '../../../local-stack/src/system-stack';
import { PortInUseError } from '../../../local-stack/src/ports';
import { AdminClient } from '../testing/admin-client';
import type { Context } from '../testing/context';
import { e2eSettings } from '../testing/e2e-system';
import { runWorkspaceMain, type CliRun } from '../testing/run-cli';

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** `npm start` itself, with the environment a user would give it; answers its exit and output. */
function npmStart(env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliRun> {
  return runWorkspaceMain('tools/local-stack/src/main.ts', [], env, timeoutMs, 'npm start');
}

/** The launcher: clear refusals before anything starts, and data kept across a restart. */
export function localStackSuite(get: Context): void {
  const scratch: string[] = [];
  const scratchDir = () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'docingest-stack-')), 'data');
    scratch.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of scratch) rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('a second system on a port already in use fails with one line naming the variable, before starting anything', async () => {
    const busy = portOf(get().e2e.apiUrl);
    const dataDir = scratchDir();
    const attempt = startSystem(e2eSettings(dataDir, get().e2e.redis.url, { API_PORT: String(busy) }), { write: () => undefined });
    await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).toBe(`port ${busy} is in use: stop what listens there, or choose another with API_PORT=<port>`);
    expect(existsSync(dataDir)).toBe(false); // refused before it made or opened anything
    // The first system is untouched.
    expect(await get().admin.knowledgeBaseIds()).toContain(get().kb.cli);
  });

  it('npm start on a port in use exits 1 with that one line', async () => {
    const busy = portOf(get().e2e.apiUrl);
    const dataDir = scratchDir();
    const run = await npmStart({ DATA_DIR: dataDir, API_PORT: String(busy), PG_PORT: '0', GCS_PORT: '0', INGESTION_PORT: '0', REDIS_URL: get().e2e.redis.url });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([`cannot start: port ${busy} is in use: stop what listens there, or choose another with API_PORT=<port>`]);
    expect(run.stdout).toBe('');
  });

  it('a service with a bad setting fails the start at once with that service’s own message', async () => {
    const dataDir = scratchDir();
    const attempt = startSystem(e2eSettings(dataDir, get().e2e.redis.url), { apiEnv: { UPLOAD_MAX_BYTES: 'lots' }, write: () => undefined });
    const message = await attempt.then(
      async (system) => {
        await system.stop();
        return 'it started';
      },
      (error: Error) => error.message,
    );
    expect(message).toMatch(/^api stopped before it was ready \(exit code 1\): .*UPLOAD_MAX_BYTES/);
    expect(message).not.toContain('\n');
  });

  it('keeps its data across a restart from the same DATA_DIR: knowledge bases, files and their chunks', async () => {
    const { e2e } = get();
    const before = await get().admin.filesOf(get().kb.cli);
    expect(before.length).toBeGreaterThan(0);
    await e2e.stopServices();
    await e2e.restartServices();
    const admin = new AdminClient(e2e.apiUrl, e2e.adminKey);
    get().admin = admin;

    const ids = await admin.knowledgeBaseIds();
    expect(ids).toEqual(expect.arrayContaining([get().kb.cli, get().kb.browser]));
    const after = await admin.filesOf(get().kb.cli);
    expect(after.map((f) => [f.uuid, f.ingestion_status, f.chunk_count]).sort()).toEqual(before.map((f) => [f.uuid, f.ingestion_status, f.chunk_count]).sort());
    // The chunks are there too (the vectors, and the objects they point to, are on disk).
    const { results } = await admin.call<{ results: Array<{ file_name: string; page: number | null }> }>('POST', `/knowledge-bases/${get().kb.cli}/search`, {
      query: 'the lighthouse keeper counts the puffins every morning',
      top_k: 1,
    });
    expect(results[0]).toMatchObject({ file_name: 'island-report.pdf', page: 2 });
  });
}
