import { Storage } from '@google-cloud/storage';
import { localStorageOptions, startLocalGcs, type LocalGcs } from '@docingest/local-gcs';
import { GcsAccessError, listObjectPage, objectFilter, resolvePrefix, type ListedObject } from './index';

/** Objects put in the bucket; the listing reads them back in pages smaller than the total. */
const OBJECTS = 2500;

describe('listing a prefix page by page (the GCS server, official client)', () => {
  let gcs: LocalGcs;
  let storage: Storage;
  const listRequests: string[] = [];

  beforeAll(async () => {
    gcs = await startLocalGcs({ buckets: ['docs'] });
    storage = new Storage(localStorageOptions(gcs.url));
    const bucket = storage.bucket('docs');
    const names = [...Array.from({ length: OBJECTS }, (_, i) => `corpus/${String(i).padStart(4, '0')}.txt`), 'corpus/sub/', 'corpus-old/x.txt', 'other/y.txt'];
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((name) => bucket.file(name).save(name.endsWith('/') ? '' : `text of ${name}`, { resumable: false })));
    }
    gcs.server.on('request', (req) => {
      if (req.method === 'GET' && /^\/storage\/v1\/b\/docs\/o(\?|$)/.test(req.url ?? '')) listRequests.push(req.url!);
    });
  }, 120_000);
  afterAll(() => gcs.stop());

  async function listAll(prefix: string, pageSize: number): Promise<{ objects: ListedObject[]; pages: number }> {
    const objects: ListedObject[] = [];
    let pages = 0;
    let pageToken: string | undefined;
    do {
      const page = await listObjectPage(storage, { bucket: 'docs', prefix }, { pageSize, pageToken });
      objects.push(...page.objects);
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    return { objects, pages };
  }

  it('reads every object under the prefix once, one request per page, with its generation and size', async () => {
    listRequests.length = 0;
    const { objects, pages } = await listAll('corpus/', 700);
    expect(objects).toHaveLength(OBJECTS);
    expect(new Set(objects.map((o) => o.name)).size).toBe(OBJECTS);
    expect(objects.every((o) => o.name.startsWith('corpus/') && /^\d+$/.test(o.generation))).toBe(true);
    expect(objects[0]).toMatchObject({ name: 'corpus/0000.txt', size: 'text of corpus/0000.txt'.length });
    // 2,501 names (the folder placeholder among them) in pages of 700: four pages, four requests.
    expect(pages).toBe(4);
    expect(listRequests).toHaveLength(4);
    expect(listRequests.every((url) => /maxResults=700/.test(url))).toBe(true);
    expect(listRequests.filter((url) => /pageToken=/.test(url))).toHaveLength(3);
  });

  it('answers an empty page for a prefix with nothing under it, and not_found for a missing bucket', async () => {
    expect(await listObjectPage(storage, { bucket: 'docs', prefix: 'nothing/' })).toEqual({ objects: [], nextPageToken: undefined });
    await expect(listObjectPage(storage, { bucket: 'missing-bucket', prefix: '' })).rejects.toMatchObject({ code: 'not_found', statusCode: 404 });
  });
});

describe('resolvePrefix', () => {
  const options = { defaultBucket: 'docs', allowedBuckets: [] };

  it('takes a bucket, a folder, and a prefix without its trailing slash as a folder', () => {
    expect(resolvePrefix('gs://docs', options)).toEqual({ bucket: 'docs', prefix: '' });
    expect(resolvePrefix('gs://docs/', options)).toEqual({ bucket: 'docs', prefix: '' });
    expect(resolvePrefix('gs://docs/a/b', options)).toEqual({ bucket: 'docs', prefix: 'a/b/' });
  });

  it('refuses another scheme, traversal and a bucket not allowed (403), with the reason', () => {
    const refusal = (uri: string) => {
      try {
        resolvePrefix(uri, options);
      } catch (error) {
        return { code: (error as GcsAccessError).code, status: (error as GcsAccessError).statusCode, message: (error as Error).message };
      }
      return undefined;
    };
    expect(refusal('https://storage.googleapis.com/docs/a/')).toMatchObject({
      code: 'invalid_path',
      status: 400,
      message: expect.stringMatching(/gs:\/\/bucket\/prefix/),
    });
    expect(refusal('gs://docs/a/../b/')).toMatchObject({ code: 'invalid_path', status: 400 });
    expect(refusal('gs://docs/a%2F/')).toMatchObject({ code: 'invalid_path', status: 400 });
    expect(refusal('gs://Bad_Bucket/')).toMatchObject({ code: 'invalid_path', status: 400 });
    expect(refusal('gs://archive/a/')).toEqual({ code: 'bucket_not_allowed', status: 403, message: "bucket 'archive' is not one this service may read" });
    expect(resolvePrefix('gs://archive/a/', { defaultBucket: 'docs', allowedBuckets: ['docs', 'archive'] })).toEqual({ bucket: 'archive', prefix: 'a/' });
  });
});

describe('objectFilter', () => {
  it('keeps what an include matches and drops what an exclude matches, across folders with **', () => {
    const keep = objectFilter(['**/*.pdf', '*.md'], ['drafts/**']);
    expect(['a.pdf', 'x/y/b.pdf', 'c.md', 'drafts/d.pdf', 'x/e.md', 'f.txt', '.hidden.pdf'].filter(keep)).toEqual(['a.pdf', 'x/y/b.pdf', 'c.md', '.hidden.pdf']);
    expect(['a', 'b/c'].filter(objectFilter([], []))).toEqual(['a', 'b/c']);
  });

  it('refuses a glob with an unbalanced bracket, naming it', () => {
    expect(() => objectFilter(['*.pdf'], ['[draft'])).toThrow(/^exclude\[0\] '\[draft' is not a valid glob/);
  });

  it('refuses globs that could take the matcher unbounded time on a long name, and keeps the ordinary ones', () => {
    const refused = (glob: string) => {
      try {
        objectFilter([glob], []);
        return null;
      } catch (error) {
        return { code: (error as GcsAccessError).code, status: (error as GcsAccessError).statusCode, message: (error as Error).message };
      }
    };
    // Each of these, failing against a name of 'a's, costs picomatch's regular expression seconds or more.
    expect(refused('*a*a*a*b')).toEqual({ code: 'invalid_path', status: 400, message: "include[0] '*a*a*a*b' is refused: at most 2 '*' between two '/'" });
    expect(refused('*a*/*a*b')).toMatchObject({ status: 400, message: expect.stringContaining("at most 3 '*' or '**'") });
    expect(refused('{a,aa}{a,aa}{a,aa}c')).toMatchObject({ status: 400, message: expect.stringContaining("at most 2 '{…}' groups") });
    expect(refused('+(a|aa)b')).toMatchObject({ status: 400, message: expect.stringContaining('extglobs') });
    expect(() => objectFilter(['*.pdf'], ['*a*a*a*b'])).toThrow(/^exclude\[0\] /);
    for (const glob of ['**/*.pdf', '**/*report*', 'docs/**/*.{md,txt}', '[*][*][*]*.md', '\\*\\*\\*x*.md', '2024-??-*/*.csv']) expect(refused(glob)).toBeNull();
    expect(['x/annual-report-2024.pdf', 'report.md'].filter(objectFilter(['**/*report*'], []))).toEqual(['x/annual-report-2024.pdf', 'report.md']);
  });
});
