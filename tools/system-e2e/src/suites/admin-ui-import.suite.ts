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
}
