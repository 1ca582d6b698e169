/** A file of Emscripten's in-memory file system: its bytes are `contents` up to `usedBytes`. */
export interface MemoryFileNode {
  contents: Uint8Array | null;
  usedBytes: number;
}

/** What of PGlite's Emscripten module this changes. */
export interface WithMemoryFileSystem {
  Module: unknown;
}

type Expand = (node: MemoryFileNode, needed: number) => void;

/**
 * An in-memory database keeps each file (table segments up to 1 GB, 16 MB WAL segments) in one
 * array, which Emscripten's MEMFS grows by an eighth at a time past 1 MB, copying the whole file
 * each time: about eight copies of everything the database writes. While a 100 MB text file was
 * stored that copying was a tenth of the database process's time (bench/README.md, "Large text
 * file"). Doubling makes it about two copies. Capacity not yet written costs no memory: a large
 * zero-filled array is mapped lazily. Answers whether the file system was found (PGlite with a
 * data dir writes real files, and has none to change).
 */
export function growInMemoryFilesByDoubling(db: WithMemoryFileSystem): boolean {
  const memfs = (db.Module as { FS?: { filesystems?: { MEMFS?: { expandFileStorage?: Expand } } } } | undefined)?.FS?.filesystems?.MEMFS;
  if (typeof memfs?.expandFileStorage !== 'function') return false;
  memfs.expandFileStorage = expandByDoubling;
  return true;
}

export const expandByDoubling: Expand = (node, needed) => {
  const capacity = node.contents?.length ?? 0;
  if (capacity >= needed) return;
  const grown = new Uint8Array(Math.max(needed, capacity * 2, 256));
  if (node.contents && node.usedBytes > 0) grown.set(node.contents.subarray(0, node.usedBytes));
  node.contents = grown;
};
