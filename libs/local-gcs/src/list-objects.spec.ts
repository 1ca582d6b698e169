import { listPage, type ListQuery } from './list-objects';
import type { ObjectRecord } from './object-store';

const names = ['a/1', 'a/2', 'a/x/1', 'a/x/2', 'a/y/1', 'b', 'c/1'];
const records = names.map((name) => ({ name }) as ObjectRecord);
const query = (overrides: Partial<ListQuery>): ListQuery => ({
  prefix: '',
  delimiter: '',
  maxResults: 1000,
  pageToken: undefined,
  startOffset: undefined,
  endOffset: undefined,
  ...overrides,
});

function allPages(q: ListQuery): { items: string[]; prefixes: string[]; pages: number } {
  const items: string[] = [];
  const prefixes: string[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const page = listPage(records, { ...q, pageToken: token });
    items.push(...page.items.map((r) => r.name));
    prefixes.push(...page.prefixes);
    token = page.nextPageToken;
    pages++;
  } while (token && pages < 50);
  return { items, prefixes, pages };
}

describe('listPage', () => {
  it('filters by prefix and collapses by delimiter', () => {
    const page = listPage(records, query({ prefix: 'a/', delimiter: '/' }));
    expect(page.items.map((r) => r.name)).toEqual(['a/1', 'a/2']);
    expect(page.prefixes).toEqual(['a/x/', 'a/y/']);
    expect(page.nextPageToken).toBeUndefined();
  });

  it('pages through items and prefixes without repeats or gaps, one entry a page', () => {
    expect(allPages(query({ delimiter: '/', maxResults: 1 }))).toEqual({ items: ['b'], prefixes: ['a/', 'c/'], pages: 3 });
    expect(allPages(query({ prefix: 'a/', delimiter: '/', maxResults: 1 }))).toEqual({ items: ['a/1', 'a/2'], prefixes: ['a/x/', 'a/y/'], pages: 4 });
    expect(allPages(query({ maxResults: 3 })).items).toEqual(names);
  });

  it('honours startOffset and endOffset', () => {
    expect(listPage(records, query({ startOffset: 'a/x', endOffset: 'b' })).items.map((r) => r.name)).toEqual(['a/x/1', 'a/x/2', 'a/y/1']);
  });

  it('refuses a page token it did not issue', () => {
    expect(() => listPage(records, query({ pageToken: 'garbage!' }))).toThrow(/pageToken/);
  });
});
