import { dirname, join, normalize, relative } from 'node:path';
import { isTestSupportFile, type SourceFile, type Violation } from './module-boundaries';

/**
 * The api's folders, each one a Nest module (or infrastructure), from the one that uses the most
 * to the ones that use nothing: a production file may import from its own folder or from a folder
 * further down this list, never from one above it. docs/architecture.md explains the order.
 */
export const API_MODULE_ORDER = [
  'admin',
  'health',
  'imports',
  'files',
  'ingestion-queue',
  'ingestions',
  'knowledge-bases',
  'ingestion-service',
  'auth',
  'database',
  'logging',
  'common',
  'config',
] as const;

export interface FolderImports {
  /** Imports between two different folders (files at the root, like app.module.ts, not counted). */
  between: number;
  /** Those that run against the order: a folder importing one above it, or one not in the order. */
  backUp: Violation[];
}

const RELATIVE_IMPORT = /(?:from|import)\s*'(\.[^']+)'/g;

/** The relative imports between the folders of `srcRoot` in production files, checked against `order`. */
export function apiFolderImports(files: SourceFile[], srcRoot: string, order: readonly string[] = API_MODULE_ORDER): FolderImports {
  const folderOf = (path: string) => {
    const parts = relative(srcRoot, path).split('/');
    return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
  };
  let between = 0;
  const backUp: Violation[] = [];
  for (const file of files) {
    const from = folderOf(file.path);
    if (!from || isTestSupportFile(file.path)) continue;
    for (const [, specifier] of file.text.matchAll(RELATIVE_IMPORT)) {
      const to = folderOf(normalize(join(dirname(file.path), specifier)));
      if (!to || to === from) continue;
      between++;
      const rank = (folder: string) => (order.includes(folder) ? order.indexOf(folder) : -1);
      if (rank(from) < 0 || rank(to) < 0) backUp.push({ source: file.path, target: specifier, reason: `${rank(from) < 0 ? from : to} is not in the api's module order` });
      else if (rank(to) < rank(from)) backUp.push({ source: file.path, target: specifier, reason: `${from} may not import ${to}, which comes before it in the order` });
    }
  }
  return { between, backUp };
}
