import { expandByDoubling, growInMemoryFilesByDoubling, type MemoryFileNode } from './memfs-growth';
import { useLocalPostgres } from './testing/use-local-postgres';

describe('growing in-memory files by doubling', () => {
  it('keeps the written bytes, at least doubles the capacity, and leaves a file with room as it is', () => {
    const node: MemoryFileNode = { contents: new Uint8Array(512), usedBytes: 4 };
    node.contents!.set([1, 2, 3, 4]);
    const before = node.contents;
    expandByDoubling(node, 512);
    expect(node.contents).toBe(before);

    expandByDoubling(node, 513);
    expect(node.contents!.length).toBe(1024);
    expect([...node.contents!.subarray(0, 5)]).toEqual([1, 2, 3, 4, 0]);

    expandByDoubling(node, 5000);
    expect(node.contents!.length).toBe(5000);

    const empty: MemoryFileNode = { contents: null, usedBytes: 0 };
    expandByDoubling(empty, 10);
    expect(empty.contents!.length).toBe(256);
  });

  it('finds nothing to change where there is no such file system', () => {
    expect(growInMemoryFilesByDoubling({ Module: {} })).toBe(false);
    expect(growInMemoryFilesByDoubling({ Module: undefined })).toBe(false);
  });

  describe('in the in-memory server', () => {
    const { pool, events } = useLocalPostgres({ poolSize: 1 });

    it("finds Emscripten's file system, and what is written through many growths reads back whole", async () => {
      const ready = events.find((event) => event.event === 'ready');
      expect(ready).toMatchObject({ fileGrowth: 'doubling' });
      await pool.query('CREATE TABLE grown (id int, body text)');
      // About 6 MB, past 1 MB where MEMFS's own growth turns to an eighth: many expansions of one file.
      await pool.query(`INSERT INTO grown SELECT i, repeat(md5(i::text), 60) FROM generate_series(1, 3000) AS i`);
      await pool.query('CHECKPOINT');
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n, sum(length(body))::int AS bytes,
                md5(string_agg(body, '' ORDER BY id)) = (SELECT md5(string_agg(repeat(md5(i::text), 60), '' ORDER BY i)) FROM generate_series(1, 3000) AS i) AS same
           FROM grown`,
      );
      expect(rows[0]).toEqual({ n: 3000, bytes: 3000 * 32 * 60, same: true });
    });
  });
});
