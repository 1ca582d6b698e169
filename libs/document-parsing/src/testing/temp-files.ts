import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory for test files, removed by `remove()`. */
export function tempFiles(prefix = 'docingest-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return {
    dir,
    /** Writes the data to a new file and returns its path. */
    write(data: Uint8Array | string): string {
      const path = join(dir, `file-${n++}`);
      writeFileSync(path, data);
      return path;
    },
    remove(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
