import { execFileSync } from 'node:child_process';
import { freePort } from '@docingest/local-redis';
import { startApiStack } from './api-stack';

/** Live child processes of this test process (PGlite, Redis, the ingestion service, ...). */
function children(): string[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([pid, command]) => Number(pid) > 0 && command !== 'ps') // ps lists itself
      .map(([pid, command]) => `${pid} ${command}`);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

describe('startApiStack', () => {
  it('stops every process it started when the api fails to start', async () => {
    const before = children();
    const closed = `postgres://postgres@127.0.0.1:${await freePort()}/postgres?sslmode=disable`;
    // The migrations at start-up cannot reach this database, so createApp fails after everything else started.
    await expect(startApiStack({ apiEnv: { DATABASE_URL: closed } })).rejects.toThrow(/ECONNREFUSED|connect/);
    expect(children().filter((child) => !before.includes(child))).toEqual([]);
  });
});
