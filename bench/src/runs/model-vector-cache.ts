import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the bench keeps the local model's vectors of its texts (bench/.cache, not committed). */
export const MODEL_VECTOR_CACHE_DIR = join(__dirname, '..', '..', '.cache', 'model-vectors');

const HASH_BYTES = 32;
const SLICE = 500;

/**
 * A model's vectors of texts, on disk, by the text's SHA-256: the local model embeds a few chunks
 * a second on a loaded 2-core machine, so tens of thousands of the bench's chunks take hours once
 * and seconds after. One append-only file per model and size; each slice is appended as soon as
 * it is embedded, so a run stopped part way keeps what it embedded. Delete the folder to re-embed
 * (a new version of the same model's weights would need that).
 */
export class ModelVectorCache {
  private readonly vectors = new Map<string, Float32Array>();
  private readonly file: string;

  constructor(
    dir: string,
    model: string,
    private readonly dimensions: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `${model.replace(/[^\w.-]/g, '_')}-${dimensions}.bin`);
    if (!existsSync(this.file)) return;
    const bytes = readFileSync(this.file);
    const record = HASH_BYTES + dimensions * 4;
    // A record cut short by a stop in the middle of an append is dropped, not read as a vector.
    for (let at = 0; at + record <= bytes.length; at += record) {
      const vector = new Float32Array(dimensions);
      for (let d = 0; d < dimensions; d++) vector[d] = bytes.readFloatLE(at + HASH_BYTES + d * 4);
      this.vectors.set(bytes.toString('hex', at, at + HASH_BYTES), vector);
    }
  }

  get size(): number {
    return this.vectors.size;
  }

  /** Every text's vector, in order: from the file where it is there, else embedded (in slices, each appended). */
  async embed(texts: readonly string[], embed: (texts: string[]) => Promise<ArrayLike<number>[]>, log?: (line: string) => void): Promise<Float32Array[]> {
    const keys = texts.map(hashOf);
    const firstAt = new Map<string, number>();
    keys.forEach((key, i) => {
      if (!this.vectors.has(key) && !firstAt.has(key)) firstAt.set(key, i);
    });
    const missing = [...firstAt.values()];
    for (let start = 0; start < missing.length; start += SLICE) {
      const slice = missing.slice(start, start + SLICE);
      const embedded = await embed(slice.map((i) => texts[i]));
      const record = Buffer.alloc(slice.length * (HASH_BYTES + this.dimensions * 4));
      slice.forEach((textIndex, n) => {
        const vector = Float32Array.from(embedded[n]);
        if (vector.length !== this.dimensions) throw new Error(`model vector cache: got ${vector.length} dimensions, expected ${this.dimensions}`);
        const at = n * (HASH_BYTES + this.dimensions * 4);
        record.write(keys[textIndex], at, 'hex');
        vector.forEach((value, d) => record.writeFloatLE(value, at + HASH_BYTES + d * 4));
        this.vectors.set(keys[textIndex], vector);
      });
      appendFileSync(this.file, record);
      log?.(`model vector cache: ${Math.min(start + SLICE, missing.length)} of ${missing.length} missing texts embedded`);
    }
    return keys.map((key) => this.vectors.get(key)!);
  }
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');
