import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { build } = require('../../../tools/build.js') as {
  build(options: { root?: string; outDir?: string }): Promise<{ outDir: string; compiled: number; copied: number }>;
};

export interface BuildOutput {
  dir: string;
  compiled: number;
  copied: number;
  remove(): void;
}

/**
 * Runs the production build (tools/build.js) into a private folder under tmp/. It must stay
 * inside the repository: the compiled code finds node_modules by walking up, as in the image.
 */
export async function buildIntoTemp(label: string): Promise<BuildOutput> {
  const dir = join(REPO_ROOT, 'tmp', `deploy-checks-${label}-${process.pid}`, 'dist');
  const result = await build({ root: REPO_ROOT, outDir: dir });
  return { dir, compiled: result.compiled, copied: result.copied, remove: () => rmSync(join(dir, '..'), { recursive: true, force: true }) };
}
