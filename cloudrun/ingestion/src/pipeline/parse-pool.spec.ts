import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PARSE_LIMITS, DocumentLimitError, DocumentParseError } from '@docingest/document-parsing';
import * as fixtures from '@docingest/document-parsing/testing';
import { ParsePool } from './parse-pool';

describe('ParsePool: documents parsed in threads under time, memory and output limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parse-pool-'));
  const file = (name: string, data: Uint8Array | string) => {
    const path = join(dir, name);
    writeFileSync(path, data);
    return { path, fileName: name };
  };
  const pools: ParsePool[] = [];
  const pool = (settings: Partial<ConstructorParameters<typeof ParsePool>[0]> = {}) => {
    const created = new ParsePool({ workers: 1, timeoutMs: 60_000, memoryMb: 512, ...settings, limits: { ...DEFAULT_PARSE_LIMITS, ...settings.limits } });
    pools.push(created);
    return created;
  };
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses in a thread and answers with the pages, and with parse errors as their own classes', async () => {
    const parser = pool();
    const pdf = file('a.pdf', await fixtures.buildPdf([['First page.'], ['Second page.']]));
    expect(await parser.parse(pdf)).toEqual({
      format: 'pdf',
      pages: [
        { text: 'First page.', pageNumber: 1 },
        { text: 'Second page.', pageNumber: 2 },
      ],
      pageCount: 2,
      pagesSkipped: 0,
    });
    expect(parser.threads).toBe(1);
    const deep = await parser.parse(file('deep.json', fixtures.hostile.buildDeepJson(100_000))).catch((e: unknown) => e);
    expect(deep).toBeInstanceOf(DocumentLimitError);
    expect(deep).toMatchObject({ limit: 'maxDepth', code: 'limit_exceeded' });
    const broken = await parser.parse(file('broken.json', '{"a": ')).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(DocumentParseError);
    expect(broken).toMatchObject({ code: 'corrupt' });
  });

  it('warms the thread it keeps by reading its built-in PDF there, and starts no other', async () => {
    const parser = pool({ workers: 2 });
    await expect(parser.warmUp()).resolves.toBe(3);
    expect(parser.threads).toBe(1);
  });

  it('terminates a parse past its time limit, names the limit, and parses the next document in a new thread', async () => {
    const parser = pool({ timeoutMs: 300, limits: { outputRatio: 1_000_000, maxTextChars: 1_000_000_000 } as never });
    const flood = file('flood.pdf', await fixtures.hostile.buildHugeContentStreamPdf(64));
    const error = await parser.parse(flood).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentLimitError);
    expect(error).toMatchObject({ limit: 'timeoutMs', message: 'parsing the document took longer than 0.3 s and was stopped; the limit is 0.3 s per document' });
    const slower = pool({ timeoutMs: 60_000 });
    await expect(slower.parse(file('ok.html', '<p>still here</p>'))).resolves.toMatchObject({ pages: [{ text: 'still here' }] });
  });

  it('ends a thread that passes its memory limit with a message naming it, and keeps serving', async () => {
    const parser = pool({ memoryMb: 48, limits: { outputRatio: 1_000_000, maxTextChars: 1_000_000_000 } as never });
    const flood = file('flood-memory.pdf', await fixtures.hostile.buildHugeContentStreamPdf(128));
    const error = await parser.parse(flood).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentLimitError);
    expect(error).toMatchObject({
      limit: 'memoryMb',
      message: 'parsing the document needed more than 48 MB of memory, so it was stopped; the limit is 48 MB per document',
    });
    await expect(parser.parse(file('after.html', '<p>next one</p>'))).resolves.toMatchObject({ pages: [{ text: 'next one' }] });
  });

  it('runs no more documents at once than it has threads; the others wait their turn', async () => {
    const parser = pool({ workers: 2 });
    const docs = await Promise.all(Array.from({ length: 5 }, (_, i) => parser.parse(file(`p${i}.html`, `<p>document ${i}</p>`))));
    expect(docs.map((d) => d.pages[0].text)).toEqual(['document 0', 'document 1', 'document 2', 'document 3', 'document 4']);
    expect(parser.threads).toBeLessThanOrEqual(2);
  });
});
