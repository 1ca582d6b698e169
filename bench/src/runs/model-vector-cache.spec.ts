import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelVectorCache } from './model-vector-cache';

// A deterministic stand-in for the model (the cache only stores what it is given) that records what it was asked.
function countingModel(asked: string[]) {
  return async (texts: string[]) => {
    asked.push(...texts);
    return texts.map((text) => [text.length, text.charCodeAt(0), 0.5]);
  };
}

describe('ModelVectorCache', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'model-vector-cache-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('embeds only the texts it has not stored, and a new cache on the same folder reads them back', async () => {
    const asked: string[] = [];
    const first = new ModelVectorCache(dir, 'model/a', 3);
    const vectors = await first.embed(['alpha', 'beta', 'alpha'], countingModel(asked));
    expect(asked).toEqual(['alpha', 'beta']);
    expect(vectors.map((v) => Array.from(v))).toEqual([
      [5, 97, 0.5],
      [4, 98, 0.5],
      [5, 97, 0.5],
    ]);

    const again = new ModelVectorCache(dir, 'model/a', 3);
    expect(again.size).toBe(2);
    const more = await again.embed(['beta', 'gamma', 'alpha'], countingModel(asked));
    expect(asked).toEqual(['alpha', 'beta', 'gamma']);
    expect(more.map((v) => v[0])).toEqual([4, 5, 5]);
    // Another model's vectors are another file: nothing of model/a is read for it.
    expect(new ModelVectorCache(dir, 'model/b', 3).size).toBe(0);
  });

  it('drops a record cut short by a stop in the middle of an append', async () => {
    await new ModelVectorCache(dir, 'm', 3).embed(['one', 'two'], countingModel([]));
    const file = join(dir, 'm-3.bin');
    truncateSync(file, statSync(file).size - 1);
    const asked: string[] = [];
    const reopened = new ModelVectorCache(dir, 'm', 3);
    expect(reopened.size).toBe(1);
    await reopened.embed(['one', 'two'], countingModel(asked));
    expect(asked).toEqual(['two']);
  });
});
