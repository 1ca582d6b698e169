import type { Page } from 'playwright-core';
import { describeViolations, runAxe } from '../testing/axe';
import { openBrowser, type Browser } from '../testing/browser';
import { putObjects } from '../testing/bucket-objects';
import type { Context } from '../testing/context';

const KB = 'import-browser';
const PREFIX = 'browser-import/';

/** The admin UI's import form in Debian's chromium: start an import of a bucket folder, watch it, download its results. */
export function adminUiImportSuite(get: Context): void {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await get().admin.createLocalKnowledgeBase(KB, 'Imported in the browser');
    await putObjects(get().e2e, {
      [`${PREFIX}gulls.txt`]: 'Herring gulls steal chips from tourists on the harbour wall.',
      [`${PREFIX}terns/arctic.txt`]: 'Arctic terns fly from pole to pole every year.',
      [`${PREFIX}scratch.tmp`]: 'not for the knowledge base',
    });
    browser = await openBrowser();
    page = browser.page;
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.setDefaultTimeout(60_000);
    await page.goto(`${get().e2e.apiUrl}/admin#kb=${KB}`);
    await page.fill('#signin-key', get().e2e.adminKey);
    await page.click('#signin-form button[type=submit]');
    await page.locator('#kb-title', { hasText: 'Imported in the browser' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('refuses a bucket the api may not read, with its reason in the form', async () => {
    await page.fill('#import-uri', 'gs://someone-elses-bucket/reports/');
    await page.click('#import-button');
    await page.locator('#import-error', { hasText: "bucket 'someone-elses-bucket' is not one this service may read" }).waitFor();
    expect(await page.isVisible('#import-progress')).toBe(false);
  });

  it('imports a folder with an exclude glob, shows the counts rising to done, and the files in the list', async () => {
    await page.fill('#import-uri', `gs://${get().e2e.system.bucket}/${PREFIX}`);
    await page.fill('#import-exclude', '*.tmp');
    await page.click('#import-button');
    await page.locator('#import-heading', { hasText: `Import of gs://${get().e2e.system.bucket}/${PREFIX}` }).waitFor();
    expect(await page.textContent('#import-error')).toBe('');
    await page.locator('#import-state', { hasText: '100 % · 2 of 2 done' }).waitFor({ timeout: 180_000 });
    const counts = await page.$$eval('#import-counts .stat', (stats) => stats.map((s) => `${s.querySelector('dt')!.textContent}=${s.querySelector('dd')!.textContent}`));
    expect(counts).toEqual(['listed=2', 'unchanged=0', 'queued=2', 'completed=2', 'failed=0']);
    expect(await page.getAttribute('#import-bar', 'aria-valuenow')).toBe('100');
    // The page's own polling brings the imported files into the list, completed.
    await page.locator('#file-rows tr.file-row[data-status="completed"]', { hasText: 'arctic.txt' }).waitFor();
    await page.locator('#file-rows tr.file-row[data-status="completed"]', { hasText: 'gulls.txt' }).waitFor();
    await browser.screenshot('admin-import-done');
    const violations = await runAxe(page);
    expect(describeViolations(violations)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('downloads the per-file results as CSV with the session cookie, from the link the page shows', async () => {
    const href = await page.getAttribute('#import-csv', 'href');
    expect(href).toMatch(/^\/api\/v1\/knowledge-bases\/import-browser\/imports\/[0-9a-f-]{36}\/results\?format=csv$/);
    const download = await page.evaluate(async (url) => {
      const response = await fetch(url!, { credentials: 'same-origin' });
      return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
    }, href);
    expect(download.status).toBe(200);
    expect(download.type).toMatch(/^text\/csv/);
    const bucket = get().e2e.system.bucket;
    expect(download.text.trimEnd().split('\r\n')).toEqual([
      'object,status,chunks,error',
      `gs://${bucket}/${PREFIX}gulls.txt,completed,1,`,
      `gs://${bucket}/${PREFIX}terns/arctic.txt,completed,1,`,
    ]);
  });

  it('imports the same folder again: both files unchanged, nothing queued', async () => {
    const first = await page.getAttribute('#import-csv', 'href');
    await page.click('#import-button');
    await page.waitForFunction((before) => document.getElementById('import-csv')!.getAttribute('href') !== before, first);
    await page.locator('#import-state', { hasText: '100 % · 2 of 2 done' }).waitFor();
    const counts = await page.$$eval('#import-counts .stat dd', (dds) => dds.map((d) => d.textContent));
    expect(counts).toEqual(['2', '2', '0', '0', '0']);
  });

  /** The imports the page lists, as it shows them. */
  const listedImports = () =>
    page.$$eval('#import-list li.import-item', (items) =>
      items.map((li) => ({
        id: (li as HTMLElement).dataset.importId,
        status: (li as HTMLElement).dataset.status,
        uri: li.querySelector('.import-uri')!.textContent,
        counts: li.querySelector('.import-item-counts')!.textContent,
        progress: li.querySelector('[role=progressbar]')!.getAttribute('aria-valuenow'),
        csv: li.querySelector('a[download]')!.getAttribute('href'),
      })),
    );

  it("lists the knowledge base's imports newest first, with their progress and result links, after a reload too", async () => {
    const uri = `gs://${get().e2e.system.bucket}/${PREFIX}`;
    const latest = (await page.getAttribute('#import-csv', 'href'))!;
    await page.waitForFunction(() => document.querySelectorAll('#import-list li.import-item[data-status="completed"]').length === 2);
    const before = await listedImports();
    expect(before.map(({ id: _id, ...shown }) => shown)).toEqual([
      { status: 'completed', uri, counts: '2 listed · 2 unchanged · 0 queued · 0 completed · 0 failed', progress: '100', csv: latest },
      {
        status: 'completed',
        uri,
        counts: '2 listed · 0 unchanged · 2 queued · 2 completed · 0 failed',
        progress: '100',
        csv: expect.stringMatching(/\/results\?format=csv$/),
      },
    ]);
    expect(before[1].csv).not.toBe(latest);
    // Found again by whoever opens the page: not only the import started in it.
    await page.reload();
    await page.locator('#kb-title', { hasText: 'Imported in the browser' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#import-list li.import-item').length === 2);
    expect(await page.isVisible('#import-progress')).toBe(false);
    expect(await listedImports()).toEqual(before);
    expect(await page.isVisible('#imports-more')).toBe(false);
  });

  it('shows older imports a page at a time, and fits a phone with no axe finding', async () => {
    const bucket = get().e2e.system.bucket;
    // Ten more through the api: the page shows ten, the first two behind "Show older imports".
    const more: string[] = [];
    for (let i = 0; i < 10; i++) {
      const started = await get().admin.call<{ import_id: string }>('POST', `/knowledge-bases/${KB}/imports`, { gcs_uri: `gs://${bucket}/${PREFIX}terns/` });
      more.unshift(started.import_id);
    }
    const first = (await listedImports()).map((i) => i.id);
    await page.reload();
    await page.locator('#kb-title', { hasText: 'Imported in the browser' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#import-list li.import-item').length === 10);
    expect((await listedImports()).map((i) => i.id)).toEqual(more);
    await page.click('#imports-more');
    await page.waitForFunction(() => document.querySelectorAll('#import-list li.import-item').length === 12);
    expect((await listedImports()).map((i) => i.id)).toEqual([...more, ...first]);
    expect(await page.isVisible('#imports-more')).toBe(false);
    // The focus goes to the first import the button brought, not lost with the button.
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.importId)).toBe(first[0]);
    await page.waitForFunction(() => !document.querySelector('#import-list li.import-item:not([data-status="completed"])'), undefined, { timeout: 120_000 });

    for (const width of [360, 390]) {
      await page.setViewportSize({ width, height: 860 });
      await page.waitForFunction((w) => window.innerWidth === w, width);
      const layout = await page.evaluate(() => {
        const root = document.scrollingElement!;
        const outside = Array.from(document.querySelectorAll('#import-list li, #import-list a, #import-list .badge, #import-list [role=progressbar], #imports-more'))
          .filter((el) => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && (r.left < -0.5 || r.right > window.innerWidth + 0.5);
          })
          .map((el) => el.outerHTML.slice(0, 80));
        return { sideways: Math.max(0, root.scrollWidth - root.clientWidth), outside };
      });
      expect({ width, ...layout }).toEqual({ width, sideways: 0, outside: [] });
      await browser.screenshot(`admin-import-list-${width}`);
      expect(describeViolations(await runAxe(page))).toEqual([]);
    }
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(pageErrors).toEqual([]);
  });
}
