import type { APIResponse, Page, Route } from 'playwright-core';
import { waitUntil } from '@docingest/contracts/testing';
import { buildEncryptedPdf } from '@docingest/document-parsing/testing';
import { rowNamed as rowOf, statusOf as statusIn, uploadInPage, waitForStatus as waitIn, type FileToUpload } from '../testing/admin-page';
import { openBrowser, type Browser } from '../testing/browser';
import type { Context } from '../testing/context';
import { BROWSER_PDF_SENTENCE, longPdf } from '../testing/documents';

// Not the PDF's sentence: the search test after these must still find the PDF first.
const LIVE_TEXT = 'The harbour pumps are inspected every quarter by the night shift. '.repeat(40);
const MARKUP_NAME = '<img src=x onerror=alert(1)>.txt';
const MARKUP_TEXT = '<script>alert(2)</script><img src=x onerror=alert(3)> Otters hold hands while they sleep so that they do not drift apart.';
const MARKUP_ERROR = '<img src=x onerror=alert(4)><b>not bold</b> the parser said no';

/** The admin UI in Debian's chromium, signed in with the admin key, as an operator uses it. */
export function adminUiSuite(get: Context): void {
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = []; // the browser's own alert/confirm/prompt: the page must never open one
  const pageErrors: string[] = [];

  const rowNamed = (name: string) => rowOf(page, name);
  const statusOf = (uuid: string) => statusIn(page, uuid);
  const waitForStatus = (uuid: string, status: string) => waitIn(page, uuid, status);
  const upload = (file: FileToUpload, autoIngest: boolean) => uploadInPage(page, file, autoIngest);

  beforeAll(async () => {
    browser = await openBrowser();
    page = browser.page;
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.setDefaultTimeout(30_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('refuses a wrong key with a message, then signs in with the right one', async () => {
    await page.goto(`${get().e2e.apiUrl}/admin`);
    await page.locator('#signin-key').waitFor();
    await page.fill('#signin-key', 'not-the-admin-key');
    await page.click('#signin-form button[type=submit]');
    await page
      .locator('#signin-error')
      .filter({ hasText: /not accepted/ })
      .waitFor();
    expect(await page.isVisible('#app')).toBe(false);
    await browser.screenshot('admin-signin-refused');

    await page.fill('#signin-key', get().e2e.adminKey);
    await page.click('#signin-form button[type=submit]');
    await page.locator('#kb-list button[data-kb]').first().waitFor();
    expect({ signinShown: await page.isVisible('#signin'), appShown: await page.isVisible('#app') }).toEqual({ signinShown: false, appShown: true });
    await page.click(`#kb-list button[data-kb="${get().kb.browser}"]`);
    await page.locator('#kb-title').filter({ hasText: 'Browser end to end' }).waitFor();
    // Marks this document: if anything reloads the page, the mark is gone.
    await page.evaluate(() => ((window as unknown as { e2eMark: string }).e2eMark = 'same document'));
  });

  it('uploads a PDF, ingests it when selected, and the bar reaches 100 % and the row reads completed without a reload', async () => {
    const uuid = await upload({ name: 'bees.pdf', mimeType: 'application/pdf', buffer: await longPdf(BROWSER_PDF_SENTENCE) }, false);
    expect(await statusOf(uuid)).toBe('not_started');

    // Every state the row shows from now on, as the page changes it.
    await page.evaluate((id) => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const record = () => {
        const row = document.querySelector(`#file-rows tr[data-file="${id}"]`) as HTMLElement | null;
        const value = row?.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow');
        const entry = `${row?.dataset.status}:${value}`;
        if (row && seen[seen.length - 1] !== entry) seen.push(entry);
      };
      record();
      new MutationObserver(record).observe(document.getElementById('file-rows')!, { subtree: true, childList: true, attributes: true });
    }, uuid);

    await page.locator(`#file-rows tr[data-file="${uuid}"] input.select`).check();
    expect(await page.textContent('#selection-count')).toBe('1 selected');
    await page.click('#ingest-selected');
    // Under way: the bar has moved and the row names the stage it is in.
    await page.waitForFunction(
      (id) => {
        const row = document.querySelector(`#file-rows tr[data-file="${id}"]`) as HTMLElement | null;
        return (
          row?.dataset.status === 'completed' ||
          (row?.dataset.status === 'processing' && Number(row.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow')) > 0)
        );
      },
      uuid,
      { timeout: 120_000, polling: 100 },
    );
    if ((await statusOf(uuid)) === 'processing') await browser.screenshot('admin-ingest-in-progress');
    await waitForStatus(uuid, 'completed');

    const row = page.locator(`#file-rows tr[data-file="${uuid}"]`);
    expect(await row.locator('[role=progressbar]').getAttribute('aria-valuenow')).toBe('100');
    expect(await row.locator('.badge').textContent()).toBe('completed');
    expect(Number(await row.locator('td.chunks').textContent())).toBeGreaterThanOrEqual(1);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    const percents = seen.map((s) => Number(s.split(':')[1]));
    expect(seen[0]).toBe('not_started:0');
    expect(seen[seen.length - 1]).toBe('completed:100');
    expect(seen.some((entry) => entry.startsWith('processing:'))).toBe(true); // it was watched moving, not only found done
    expect(percents).toEqual([...percents].sort((a, b) => a - b)); // never backwards
    expect(await page.evaluate(() => (window as unknown as { e2eMark?: string }).e2eMark)).toBe('same document');
    await browser.screenshot('admin-ingest-completed');
  });

  it('moves a row from the event stream alone while the file list is refused, and by polling where the stream is refused', async () => {
    const uuid = await upload({ name: 'live-events.md', mimeType: 'text/markdown', buffer: Buffer.from(LIVE_TEXT) }, false);
    // From now on every request for the file list fails: only the event stream can move the row.
    const listRoute = /\/api\/v1\/knowledge-bases\/[^/]+\/files$/;
    let listsRefused = 0;
    await page.route(listRoute, (route) => {
      listsRefused++;
      return route.abort();
    });
    try {
      await page.locator(`#file-rows tr[data-file="${uuid}"] input.select`).check();
      await page.click('#ingest-selected');
      await waitForStatus(uuid, 'completed');
    } finally {
      await page.unroute(listRoute);
    }
    expect(await page.locator(`#file-rows tr[data-file="${uuid}"] [role=progressbar]`).getAttribute('aria-valuenow')).toBe('100');
    expect(listsRefused).toBeGreaterThan(0); // the page did ask, and got nothing

    // An api without the stream (404): the page polls the file list, as before there was one.
    const eventsRoute = /\/ingestions\/events/;
    let streamsRefused = 0;
    await page.route(eventsRoute, (route) => {
      streamsRefused++;
      return route.fulfill({ status: 404, contentType: 'application/json', body: '{"statusCode":404,"error":"Not Found","message":"no such route"}' });
    });
    try {
      await page.reload();
      await page.locator(`#file-rows tr[data-file="${uuid}"]`).waitFor();
      const polled = await upload({ name: 'polled.md', mimeType: 'text/markdown', buffer: Buffer.from(LIVE_TEXT) }, true);
      await waitForStatus(polled, 'completed');
    } finally {
      await page.unroute(eventsRoute);
    }
    expect(streamsRefused).toBeGreaterThan(0);

    // An instance serving its most streams (503 with Retry-After): the page polls, and does not ask
    // for the stream again on every poll, which would hammer an api that is full.
    const asked: string[] = [];
    await page.route(eventsRoute, (route) => {
      asked.push('stream');
      return route.fulfill({
        status: 503,
        headers: { 'retry-after': '30' },
        contentType: 'application/json',
        body: '{"statusCode":503,"error":"Service Unavailable","message":"full","code":"too_many_streams"}',
      });
    });
    const onRequest = (request: { url(): string }) => void (listRoute.test(new URL(request.url()).pathname) && asked.push('list'));
    page.on('request', onRequest);
    try {
      await page.reload();
      await page.locator(`#file-rows tr[data-file="${uuid}"]`).waitFor();
      const polled = await upload({ name: 'polled-full.md', mimeType: 'text/markdown', buffer: Buffer.from(LIVE_TEXT) }, true);
      await waitForStatus(polled, 'completed');
      const listsAfterRefusal = () => asked.slice(asked.indexOf('stream') + 1).filter((entry) => entry === 'list').length;
      await waitUntil('two polls after the refused stream', async () => asked.includes('stream') && listsAfterRefusal() >= 2, 60_000);
    } finally {
      page.off('request', onRequest);
      await page.unroute(eventsRoute);
    }
    const first = asked.indexOf('stream');
    const secondList = asked.indexOf('list', asked.indexOf('list', first + 1) + 1);
    expect(asked.slice(first + 1, secondList).filter((entry) => entry === 'stream')).toEqual([]);
    await page.evaluate(() => ((window as unknown as { e2eMark: string }).e2eMark = 'same document'));
  });

  it('search finds a sentence of the PDF and shows its source file and page', async () => {
    await page.fill('#search-input', 'Who harvests heather honey late in August?');
    await page.click('#search-form button[type=submit]');
    const first = page.locator('#search-results li.result').first();
    await first.waitFor();
    expect({
      file: await first.locator('.source-file').textContent(),
      page: await first.locator('.source-page').textContent(),
    }).toEqual({ file: 'bees.pdf', page: 'page 2' });
    expect(await first.locator('.snippet').textContent()).toContain(BROWSER_PDF_SENTENCE);
    await browser.screenshot('admin-search');
  });

  it('an encrypted PDF ends failed with a readable message in its row', async () => {
    const uuid = await upload({ name: 'locked.pdf', mimeType: 'application/pdf', buffer: Buffer.from(buildEncryptedPdf()) }, true);
    await waitForStatus(uuid, 'failed');
    const message = page.locator(`#file-rows tr[data-error-for="${uuid}"] .row-error`);
    await message.waitFor();
    const text = (await message.textContent())!;
    expect(text).toMatch(/password-protected/);
    expect(text).not.toMatch(/\bat \S+:\d+|Error:|\{"/); // a sentence, not a stack trace or a JSON body
    expect(await page.locator(`#file-rows tr[data-file="${uuid}"] .badge`).textContent()).toBe('failed');
    await browser.screenshot('admin-failed-encrypted');
  });

  it('a file named like markup, and markup in its text, are shown as text: no dialog, no injected element', async () => {
    const uuid = await upload({ name: MARKUP_NAME, mimeType: 'text/plain', buffer: Buffer.from(MARKUP_TEXT) }, true);
    await waitForStatus(uuid, 'completed');
    const row = page.locator(`#file-rows tr[data-file="${uuid}"]`);
    expect(await row.locator('.file-name').textContent()).toBe(MARKUP_NAME);
    expect(await row.locator('input.select').getAttribute('aria-label')).toBe(`Select ${MARKUP_NAME}`);

    await page.fill('#search-input', 'Otters hold hands while they sleep');
    await page.click('#search-form button[type=submit]');
    const first = page.locator('#search-results li.result').first();
    await first.locator('.source-file', { hasText: MARKUP_NAME }).waitFor();
    expect(await first.locator('.snippet').textContent()).toContain('<img src=x onerror=alert(3)>');

    expect(
      await page.evaluate(() => ({
        images: document.querySelectorAll('img').length,
        scripts: document.querySelectorAll('script').length,
        bold: document.querySelectorAll('main b').length,
      })),
    ).toEqual({
      images: 0,
      scripts: 1, // admin.js
      bold: 0,
    });
    expect(dialogs).toEqual([]);
    await browser.screenshot('admin-markup-name');
  });

  it('an error message holding markup is shown as text', async () => {
    // No real failure echoes user input, so this one answer of the real api is given a hostile
    // message on its way to the page: it checks the page, not the server.
    const filesUrl = `**/api/v1/knowledge-bases/${get().kb.browser}/files`;
    await page.route(filesUrl, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { items: Array<{ ingestion_status: string; ingestion_error: string | null }> };
      for (const file of body.items) if (file.ingestion_status === 'failed') file.ingestion_error = MARKUP_ERROR;
      await route.fulfill({ response, json: body });
    });
    try {
      // Only a fetch of the list passes the route, and with the event stream open the page fetches
      // it every 30 s; coming back into view fetches it at once.
      await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      const shown = page.locator('#file-rows .row-error', { hasText: 'the parser said no' });
      await shown.waitFor({ timeout: 30_000 });
      expect(await shown.textContent()).toBe(MARKUP_ERROR);
      expect(await page.evaluate(() => document.querySelectorAll('#file-rows img, #file-rows b').length)).toBe(0);
      expect(dialogs).toEqual([]);
    } finally {
      await page.unroute(filesUrl);
    }
  });

  it('fits a 1280 px wide window: no sideways scrolling, every row action in view', async () => {
    const layout = await page.evaluate(() => ({
      width: window.innerWidth,
      scrollWidth: document.documentElement.scrollWidth,
      actionsRight: Math.max(...Array.from(document.querySelectorAll('#file-rows .actions button')).map((b) => b.getBoundingClientRect().right)),
      nameWidth: Math.min(...Array.from(document.querySelectorAll('#file-rows td.name')).map((td) => td.getBoundingClientRect().width)),
      uploadVisible: !!document.getElementById('upload-form')?.getBoundingClientRect().width,
    }));
    expect(layout.width).toBe(1280);
    expect(layout.scrollWidth).toBeLessThanOrEqual(1280);
    expect(layout.actionsRight).toBeLessThanOrEqual(1280);
    expect(layout.nameWidth).toBeGreaterThanOrEqual(200); // names stay readable next to the other columns
    expect(layout.uploadVisible).toBe(true);
    expect(pageErrors).toEqual([]);
    await browser.screenshot('admin-overview-1280');
  });

  it('a Remove pressed before the cancelled question has finished closing asks anew, and removes that file only', async () => {
    const [kept, removed] = await Promise.all(['live-events.md', 'polled.md'].map(async (name) => (await rowNamed(name).getAttribute('data-file'))!));
    const dialog = page.locator('#confirm-remove');
    await page.locator(`#file-rows tr[data-file="${kept}"] button.remove`).click();
    await dialog.waitFor();
    // Cancel, and Remove on another row, in one task: the dialog closes at once but its close event
    // comes a task later, while the second question is already asked (Escape then Enter typed fast
    // did the same, now and then, in the keyboard walk).
    await page.evaluate((id) => {
      document.querySelector<HTMLButtonElement>('#confirm-remove button[value=cancel]')!.click();
      document.querySelector<HTMLButtonElement>(`#file-rows tr[data-file="${id}"] button.remove`)!.click();
    }, removed);
    await page.locator('#confirm-remove[open]').waitFor();
    expect(await page.textContent('#confirm-remove-title')).toBe('Remove “polled.md”?');
    const deleted = page.waitForResponse((response) => response.request().method() === 'DELETE');
    await dialog.locator('button[value=remove]').click();
    expect((await deleted).url()).toContain(`/files/${removed}`);
    await page.locator(`#file-rows tr[data-file="${removed}"]`).waitFor({ state: 'detached' });
    await page.locator('#notice', { hasText: 'Removed polled.md' }).waitFor();
    expect(await page.locator(`#file-rows tr[data-file="${kept}"]`).count()).toBe(1);
  });

  it('a removed row goes as soon as the api answers the removal, and a list asked before it, answered after, does not bring it back', async () => {
    const uuid = (await rowNamed('polled-full.md').getAttribute('data-file'))!;
    // Every file list is read from the api at once but reaches the page only when let go, in the
    // order asked: a slow network, with the api's real answers.
    const listRoute = /\/api\/v1\/knowledge-bases\/[^/]+\/files$/;
    const held: Array<{ route: Route; response: APIResponse; hasFile: boolean }> = [];
    let holding = true;
    await page.route(listRoute, async (route) => {
      const response = await route.fetch();
      const hasFile = (await response.text()).includes(uuid);
      if (holding) held.push({ route, response, hasFile });
      else await route.fulfill({ response });
    });
    const letGo = async () => {
      holding = false;
      for (const { route, response } of held.splice(0)) await route.fulfill({ response });
    };
    // Counts the row's every return to the table, and every list the page applies (its counts are redrawn).
    await page.evaluate((id) => {
      const seen = { rowAdded: 0, listsApplied: 0 };
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver((records) => {
        const added = records.flatMap((record) => Array.from(record.addedNodes) as HTMLElement[]);
        seen.rowAdded += added.filter((node) => node.dataset?.file === id).length;
      }).observe(document.getElementById('file-rows')!, { childList: true });
      new MutationObserver(() => seen.listsApplied++).observe(document.getElementById('kb-stats')!, { childList: true });
    }, uuid);
    const seen = () => page.evaluate(() => (window as unknown as { seen: { rowAdded: number; listsApplied: number } }).seen);
    try {
      // A list asked before the removal (the tab shown again), read by the api while the file is there.
      await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await waitUntil('the list asked before the removal', async () => held.length > 0, 30_000);
      const before = held.length;
      await page.locator(`#file-rows tr[data-file="${uuid}"] button.remove`).click();
      await page.locator('#confirm-remove button[value=remove]').click();
      // Gone while every list is held: the api's answer to the removal is enough.
      await page.locator(`#file-rows tr[data-file="${uuid}"]`).waitFor({ state: 'detached' });
      expect(held.slice(0, before).map((h) => h.hasFile)).toEqual(Array(before).fill(true));
      await letGo();
      // A list asked after all of them: once the page applied it, it has read the older ones too.
      const applied = (await seen()).listsApplied;
      await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await waitUntil('a list asked after the held ones is applied', async () => (await seen()).listsApplied > applied, 30_000);
    } finally {
      await letGo();
      // A list still being read from the api is handed over before the route goes (the only one left).
      await page.unrouteAll({ behavior: 'wait' });
    }
    expect((await seen()).rowAdded).toBe(0);
    expect(await page.locator(`#file-rows tr[data-file="${uuid}"]`).count()).toBe(0);
    await page.locator('#notice', { hasText: 'Removed polled-full.md' }).waitFor();
  });

  it("removes a file once the removal is confirmed in the page's dialog, and its chunks leave the search results", async () => {
    const row = rowNamed('bees.pdf');
    const uuid = (await row.getAttribute('data-file'))!;
    const dialog = page.locator('#confirm-remove');
    await row.locator('button.remove').click();
    await dialog.waitFor();
    expect(await page.textContent('#confirm-remove-title')).toBe('Remove “bees.pdf”?');
    await dialog.locator('button[value=cancel]').click(); // cancelled: nothing happens
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator(`#file-rows tr[data-file="${uuid}"]`).count()).toBe(1);

    await row.locator('button.remove').click();
    await dialog.locator('button[value=remove]').click();
    await page.locator(`#file-rows tr[data-file="${uuid}"]`).waitFor({ state: 'detached' });
    expect(dialogs).toEqual([]);
    expect(await page.textContent('#notice')).toMatch(/^Removed bees\.pdf \(\d+ chunks deleted\)\.$/);
    await page.fill('#search-input', 'Who harvests heather honey late in August?');
    await page.click('#search-form button[type=submit]');
    await page.locator('#search-results li').first().waitFor();
    expect(await page.locator('#search-results .source-file').allTextContents()).not.toContain('bees.pdf');
  });

  it('creates a knowledge base from the sidebar form and opens it', async () => {
    await page.click('#kb-new');
    // The id's pattern is one the browser compiles: one it cannot (Chrome compiles patterns with the
    // `v` flag) is skipped with only a console message, and any id would pass the form's own check.
    await page.fill('#kb-form input[name=knowledgebase_id]', 'Not An Id');
    expect(await page.$eval('#kb-form input[name=knowledgebase_id]', (input) => (input as HTMLInputElement).validity.patternMismatch)).toBe(true);
    await page.fill('#kb-form input[name=knowledgebase_id]', 'made-in-browser');
    await page.fill('#kb-form input[name=name]', 'Made in the browser');
    await page.click('#kb-form button[type=submit]');
    await page.locator('#kb-title', { hasText: 'Made in the browser' }).waitFor();
    expect(await page.getAttribute('#kb-list button[data-kb="made-in-browser"]', 'aria-current')).toBe('page');
    expect(await page.isVisible('#kb-form')).toBe(false);
    await page.locator('#file-rows', { hasText: 'No files yet' }).waitFor(); // its files are fetched after the title is shown
    expect(await get().admin.knowledgeBaseIds()).toContain('made-in-browser');

    // The same id again is refused with the api's reason, in the form.
    await page.click('#kb-new');
    await page.fill('#kb-form input[name=knowledgebase_id]', 'made-in-browser');
    await page.fill('#kb-form input[name=name]', 'Twice');
    await page.click('#kb-form button[type=submit]');
    await page.locator('#kb-error', { hasText: /already exists/ }).waitFor();
    await browser.screenshot('admin-new-knowledge-base');
  });
}
