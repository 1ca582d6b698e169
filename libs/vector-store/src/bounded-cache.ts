/**
 * A cache of at most about `max` entries that keeps what is read often: two generations, the
 * young one taking every write and every read of an old entry; when the young one is full it
 * becomes the old one and the oldest is dropped whole. Cheaper per read than a strict LRU (no
 * delete and re-insert on every hit), which matters at several hundred reads per chunk.
 */
export class BoundedCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly generation: number;

  constructor(max: number) {
    this.generation = Math.max(1, Math.floor(max / 2));
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(key: string): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: string, value: V): void {
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}
