import { crc32 } from './crc32';

export interface ZipEntry {
  name: string;
  data: Buffer;
  crc: number;
  size: number;
  /** 8 = deflate, 0 = stored. */
  method: number;
  /** The uncompressed size the headers declare (a lie, for a bomb that hides). */
  declaredSize?: number;
}

/** A ZIP archive of the entries as given (compressed or stored), in order. */
export function zipOf(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const size = entry.declaredSize ?? entry.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt32LE(entry.crc, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt32LE(entry.crc, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.data);
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * A ZIP archive with its entries stored (not compressed), in the given order: enough to make
 * archives that are not Word documents, or whose `word/document.xml` comes late.
 */
export function storedZip(entries: Array<[name: string, content: string | Uint8Array]>): Buffer {
  return zipOf(
    entries.map(([name, content]) => {
      const data = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
      return { name, data, crc: crc32(data), size: data.length, method: 0 };
    }),
  );
}
