import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where PostgreSQL's own client programs (psql, pgbench) are: the newest
 * /usr/lib/postgresql/N/bin, else the PATH. CI installs them (.ci/run); a machine without them
 * fails the tests that use them with this message rather than skipping them.
 */
export function postgresTool(name: 'psql' | 'pgbench'): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const candidate = join(root, version, 'bin', name);
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      `${name} was not found (in /usr/lib/postgresql/*/bin or on PATH): install the Debian packages postgresql-client and postgresql-contrib (bash .ci/run does)`,
    );
  }
}
