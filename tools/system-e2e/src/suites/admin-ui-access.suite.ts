import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { waitUntil } from '@docingest/contracts/testing';
import { buildEncryptedPdf } from '@docingest/document-parsing/testing';
import { rowNamed, statusOf as statusIn, uploadInPage, waitForStatus as waitIn, type FileToUpload } from '../testing/admin-page';
import { describeViolations, runAxe, type AxeViolation } from '../testing/axe';
import { openBrowser, type Browser } from '../testing/browser';
import type { Context } from '../testing/context';
import { longPdf } from '../testing/documents';
import { reportsDir } from '../testing/e2e-system';
import { nextFileChooser } from '../testing/file-chooser';

// The narrowest phone the UI is made for, a common phone, a tablet, a desktop.
const WIDTHS = [360, 390, 768, 1280];
const HEIGHT = 860;

// One file for each status the UI shows, each brought there by the running system.
const NAMES = {
  notStarted: 'Quarterly-supplier-agreement-with-appendices-signatures-and-annexes-final-version-2.txt',
  completed: 'meeting notes from the depot on opening hours and the new forklift rota.txt',
  failed: 'locked-contract.pdf',
  processing: 'field-survey.pdf',
  pending: 'queued-later.md',
};
const COMPLETED_TEXT = 'The depot opens at seven. The forklift rota changes every Monday, and the night shift checks the loading bays.';
const KEYBOARD_FILE = 'keyboard-notes.txt';
const KEYBOARD_TEXT = 'Lighthouse lamps were once fuelled with whale oil, later with kerosene, and now with electricity.';

interface LayoutReport {
  width: number;
  innerWidth: number;
  /** document.scrollingElement's: the content's width, and the window's less a scrollbar. */
  scrollWidth: number;
  clientWidth: number;
  /** Elements that stick out of the window on the left or right. */
  outside: string[];
  /** File names laid out narrower than eight average characters. */
  crampedNames: string[];
  /** File names whose full text is neither shown nor in a title. */
  hiddenNames: string[];
}

/**
 * The admin UI at a phone's, a tablet's and a desktop's width, checked by axe-core with the WCAG A
 * and AA rules on every page it has (sign-in, files in every status, search results, light and
 * dark), and driven by the keyboard alone from sign-in to search.
 */
export function adminUiAccessSuite(get: Context): void {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const axeFound: Record<string, AxeViolation[]> = {};
  const keyboardSteps: string[] = [];
  const uuids: Record<string, string> = {};

  const statusOf = (uuid: string) => statusIn(page, uuid);
  const waitForStatus = (uuid: string, status: string) => waitIn(page, uuid, status);
  const upload = (file: FileToUpload, autoIngest: boolean) => uploadInPage(page, file, autoIngest);

  /** axe on the page as it is; the violations are kept for the report under `name`. */
  async function axeClean(name: string): Promise<string[]> {
    const violations = await runAxe(page);
    axeFound[name] = violations;
    return describeViolations(violations);
  }

  async function layoutAt(width: number): Promise<LayoutReport> {
    await page.setViewportSize({ width, height: HEIGHT });
    await page.waitForFunction((w) => window.innerWidth === w, width);
    return page.evaluate((w) => {
      const visible = (el: Element) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0;
      };
      const describe = (el: Element) =>
        `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${(el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 30)}"`;
      const watched = ['button', 'input:not([type=file])', '.file-pick', 'select', 'a', '.stat', '.file-name', '.badge', '[role=progressbar]', 'h1', '.result'];
      const outside = Array.from(document.querySelectorAll(watched.join(',')))
        .filter(visible)
        .filter((el) => !el.closest('dialog:not([open])'))
        .filter((el) => {
          const r = el.getBoundingClientRect();
          return r.left < -0.5 || r.right > window.innerWidth + 0.5;
        })
        .map(describe);
      const canvas = document.createElement('canvas').getContext('2d')!;
      // Rendered at all, however narrow: a name squeezed to no width is the fault looked for.
      const names = Array.from(document.querySelectorAll('#file-rows .file-name')).filter((el) => el.getClientRects().length > 0) as HTMLElement[];
      const crampedNames = names
        .filter((el) => {
          canvas.font = getComputedStyle(el).font;
          const charWidth = canvas.measureText('abcdefghijklmnopqrstuvwxyz').width / 26;
          return el.getBoundingClientRect().width < 8 * charWidth;
        })
        .map(describe);
      const hiddenNames = names
        .filter((el) => {
          const full = el.textContent ?? '';
          const clipped = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
          return clipped && el.title !== full && el.getAttribute('aria-label') !== full;
        })
        .map(describe);
      const root = document.scrollingElement!;
      return { width: w, innerWidth: window.innerWidth, scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, outside, crampedNames, hiddenNames };
    }, width);
  }

  // Sideways scroll is what the page is wider than the part of the window it can use.
  const fits = (layout: LayoutReport) => ({
    width: layout.innerWidth,
    sideways: Math.max(0, layout.scrollWidth - layout.clientWidth),
    outside: layout.outside,
    crampedNames: layout.crampedNames,
    hiddenNames: layout.hiddenNames,
  });

  /** At each width: the layout's faults and axe's violations; a full-page screenshot each. */
  async function checkEveryWidth(name: string, screenshot: string) {
    const found: Record<number, { layout: ReturnType<typeof fits>; violations: string[] }> = {};
    for (const width of WIDTHS) {
      const layout = fits(await layoutAt(width));
      found[width] = { layout, violations: await axeClean(`${name} ${width}px`) };
      await browser.screenshot(`${screenshot}-${width}`);
    }
    return found;
  }
  const everyWidthClean = () =>
    Object.fromEntries(WIDTHS.map((width) => [width, { layout: { width, sideways: 0, outside: [], crampedNames: [], hiddenNames: [] }, violations: [] }]));

  /** With prefers-color-scheme: dark, at 390 px: is a dark palette in use, and axe's violations. */
  async function checkDark(name: string, screenshot: string) {
    await layoutAt(390);
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      const luminance = await page.evaluate(() => {
        const [r, g, b] = getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g)!.map(Number);
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      });
      const violations = await axeClean(`${name} dark`);
      await browser.screenshot(`${screenshot}-390`);
      return { darkPalette: luminance < 0.3, violations };
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  }

  /** Presses Tab (or Shift+Tab) until the focus is on `selector`; the step is recorded for the report. */
  async function tabTo(selector: string, what: string, backwards = false): Promise<void> {
    const key = backwards ? 'Shift+Tab' : 'Tab';
    const passed: string[] = [];
    for (let presses = 1; presses <= 80; presses++) {
      await page.keyboard.press(key);
      const at = await page.evaluate((s) => {
        const el = document.activeElement as HTMLElement | null;
        const name = el?.getAttribute('aria-label') || (el as HTMLInputElement | null)?.labels?.[0]?.textContent || el?.textContent || el?.id || el?.tagName || '';
        return { reached: !!el?.matches(s), name: name.trim().replace(/\s+/g, ' ').slice(0, 40) };
      }, selector);
      if (at.reached) {
        keyboardSteps.push(`${key} ×${presses} → ${what}${passed.length ? ` (past: ${passed.join(' | ')})` : ''}`);
        expect(await focusShows()).toBe(true);
        return;
      }
      passed.push(at.name);
    }
    throw new Error(`${key} never reached ${what} (${selector}); last focus: ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200))}`);
  }

  /** The focused element is drawn with a focus ring (a hidden file input: its visible button is). */
  const focusShows = () =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body || !el.matches(':focus-visible')) return false;
      const drawn = el.matches('input[type=file]') ? (el.closest('.file-pick')?.querySelector('.btn') as HTMLElement | null) : el;
      if (!drawn) return false;
      const style = getComputedStyle(drawn);
      return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
    });

  async function type(text: string, what: string): Promise<void> {
    await page.keyboard.type(text);
    keyboardSteps.push(`type "${text}" → ${what}`);
  }

  async function press(key: string, what: string): Promise<void> {
    await page.keyboard.press(key);
    keyboardSteps.push(`${key} → ${what}`);
  }

  beforeAll(async () => {
    browser = await openBrowser();
    page = browser.page;
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.setDefaultTimeout(60_000);
  }, 120_000);

  afterAll(async () => {
    get().embeddings.release();
    await get()
      .admin.setQueuePaused(false)
      .catch(() => undefined);
    const dir = join(reportsDir, 'system-e2e');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'axe-violations.json'), `${JSON.stringify(axeFound, null, 2)}\n`);
    writeFileSync(join(dir, 'keyboard-walk.txt'), `${keyboardSteps.join('\n')}\n`);
    await browser?.close();
  });

  it('the sign-in page fits 360, 390, 768 and 1280 px and axe finds no WCAG A/AA violation, light or dark', async () => {
    await page.goto(`${get().e2e.apiUrl}/admin`);
    await page.locator('#signin-key').waitFor();
    expect(await checkEveryWidth('sign-in', 'admin-signin')).toEqual(everyWidthClean());
    expect(await checkDark('sign-in', 'admin-signin-dark')).toEqual({ darkPalette: true, violations: [] });
  });

  it('with files not started, pending, processing, completed and failed: no violation, no sideways scroll and readable names at every width', async () => {
    const { admin, embeddings, kb } = get();
    await page.setViewportSize({ width: 1280, height: HEIGHT });
    await page.fill('#signin-key', get().e2e.adminKey);
    await page.click('#signin-form button[type=submit]');
    await page.click(`#kb-list button[data-kb="${kb.access}"]`);
    await page.locator('#kb-title').filter({ hasText: 'Every screen and every user' }).waitFor();

    uuids.notStarted = await upload({ name: NAMES.notStarted, mimeType: 'text/plain', buffer: Buffer.from('Supplier terms, net thirty days.') }, false);
    uuids.completed = await upload({ name: NAMES.completed, mimeType: 'text/plain', buffer: Buffer.from(COMPLETED_TEXT) }, true);
    uuids.failed = await upload({ name: NAMES.failed, mimeType: 'application/pdf', buffer: Buffer.from(buildEncryptedPdf()) }, true);
    await waitForStatus(uuids.completed, 'completed');
    await waitForStatus(uuids.failed, 'failed');

    // The embeddings endpoint answers nothing for now: this one stays in its embed stage.
    embeddings.hold();
    try {
      uuids.processing = await upload(
        { name: NAMES.processing, mimeType: 'application/pdf', buffer: await longPdf('Surveyors walked the northern ridge in May.') },
        true,
      );
      await waitForStatus(uuids.processing, 'processing');
      await waitUntil('the embed stage holds a request of the ingestion', async () => embeddings.waiting >= 1, 120_000);
      // The queue is paused from its dashboard: this one waits in it.
      await admin.setQueuePaused(true);
      uuids.pending = await upload({ name: NAMES.pending, mimeType: 'text/markdown', buffer: Buffer.from('# Later\n\nThis waits in the queue.\n') }, true);
      await waitForStatus(uuids.pending, 'pending');

      const statuses = Object.fromEntries(await Promise.all(Object.entries(uuids).map(async ([key, uuid]) => [key, await statusOf(uuid)])));
      expect(statuses).toEqual({ notStarted: 'not_started', completed: 'completed', failed: 'failed', processing: 'processing', pending: 'pending' });
      const widths = await checkEveryWidth('files in every status', 'admin-every-status');
      const dark = await checkDark('files in every status', 'admin-every-status-dark');
      expect(widths).toEqual(everyWidthClean());
      expect(dark).toEqual({ darkPalette: true, violations: [] });
      // Each status is said in words, not only by colour.
      const words = await page.locator('#file-rows .badge').allTextContents();
      expect(new Set(words.map((w) => w.trim().toLowerCase()))).toEqual(new Set(['not ingested', 'pending', 'processing', 'completed', 'failed']));
      // The failure was announced assertively.
      await page.locator('#error-announcer', { hasText: `${NAMES.failed}: ingestion failed` }).waitFor({ state: 'attached' });

      // Progress bars say their value to assistive technology.
      const bars = await page.locator('#file-rows [role=progressbar]').evaluateAll((nodes) =>
        nodes.map((n) => ({
          min: n.getAttribute('aria-valuemin'),
          max: n.getAttribute('aria-valuemax'),
          now: Number(n.getAttribute('aria-valuenow')),
          label: !!n.getAttribute('aria-label'),
        })),
      );
      expect(bars).toHaveLength(5);
      for (const bar of bars) expect(bar).toEqual({ min: '0', max: '100', now: expect.any(Number), label: true });
    } finally {
      embeddings.release();
      await admin.setQueuePaused(false);
    }
    await waitForStatus(uuids.processing, 'completed');
    await waitForStatus(uuids.pending, 'completed');
    await page.locator('#status-announcer', { hasText: /: completed, \d+ chunks\./ }).waitFor({ state: 'attached' });
    expect(pageErrors).toEqual([]);
  });

  it('search results: no violation and no sideways scroll at any width', async () => {
    await page.fill('#search-input', 'When does the forklift rota change?');
    await page.click('#search-form button[type=submit]');
    await page.locator('#search-results li.result').first().waitFor();
    await page.locator('#search-results').scrollIntoViewIfNeeded();
    expect(await checkEveryWidth('search results', 'admin-search-results')).toEqual(everyWidthClean());
  });

  it('by keyboard alone: sign in, create a knowledge base, upload, select, ingest, re-ingest, search, remove after confirming', async () => {
    await page.setViewportSize({ width: 390, height: HEIGHT });
    await browser.context.clearCookies();
    await page.goto(`${get().e2e.apiUrl}/admin`);
    await page.locator('#signin-key').waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'signin-key');
    keyboardSteps.push('page load → focus on the admin key field');
    await type(get().e2e.adminKey, 'admin key');
    await press('Enter', 'sign in');
    await page.locator('#app').waitFor();

    await tabTo('#kb-new', 'New knowledge base');
    await press('Enter', 'form opens, focus on Id');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('knowledgebase_id');
    await type('keyboard-walk', 'Id');
    await tabTo('#kb-form input[name=name]', 'Name');
    await type('Keyboard walk', 'Name');
    await tabTo('#kb-form button[type=submit]', 'Create');
    await press('Enter', 'create');
    await page.locator('#kb-title', { hasText: 'Keyboard walk' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'content');
    keyboardSteps.push('focus moves to the new knowledge base’s page');

    await tabTo('#upload-input', 'Choose files…');
    const chooser = await nextFileChooser(page);
    await press('Space', 'open the file chooser');
    await (await chooser.opened).setFiles({ name: KEYBOARD_FILE, mimeType: 'text/plain', buffer: Buffer.from(KEYBOARD_TEXT) });
    keyboardSteps.push(`(the system's file chooser picks ${KEYBOARD_FILE})`);
    await tabTo('#upload-auto', 'Ingest right after upload');
    if (await page.isChecked('#upload-auto')) await press('Space', 'untick: upload only');
    await tabTo('#upload-button', 'Upload');
    await press('Enter', 'upload');
    const row = rowNamed(page, KEYBOARD_FILE);
    await row.waitFor();
    const uuid = (await row.getAttribute('data-file'))!;
    expect(await statusOf(uuid)).toBe('not_started');
    await page.locator('#notice', { hasText: 'Uploaded 1 file' }).waitFor();

    await tabTo(`[data-file="${uuid}"] input.select`, `Select ${KEYBOARD_FILE}`);
    await press('Space', 'select it');
    expect(await page.textContent('#selection-count')).toBe('1 selected');
    await tabTo('#ingest-selected', 'Ingest selected', true);
    await press('Enter', 'ingest selected');
    await waitForStatus(uuid, 'completed');
    await page.locator('#status-announcer', { hasText: `${KEYBOARD_FILE}: completed` }).waitFor({ state: 'attached' });

    await tabTo(`[data-file="${uuid}"] button.reingest`, `Re-ingest ${KEYBOARD_FILE}`);
    await press('Enter', 're-ingest');
    await page.locator(`[data-file="${uuid}"] .file-info`, { hasText: 'attempt 2' }).waitFor();
    await waitForStatus(uuid, 'completed');

    await tabTo('#search-input', 'Search text');
    await type('What fuelled lighthouse lamps?', 'Search text');
    await press('Enter', 'search');
    await page.locator('#search-results .source-file', { hasText: KEYBOARD_FILE }).first().waitFor();

    await tabTo(`[data-file="${uuid}"] button.remove`, `Remove ${KEYBOARD_FILE}`, true);
    await press('Enter', 'asks to confirm');
    await page.locator('#confirm-remove[open]').waitFor();
    expect(await page.evaluate(() => !!document.activeElement?.closest('#confirm-remove'))).toBe(true);
    expect(await page.textContent('#confirm-remove')).toContain(KEYBOARD_FILE);
    await press('Escape', 'cancel: nothing removed');
    await page.locator('#confirm-remove').waitFor({ state: 'hidden' });
    expect(
      await page.evaluate(
        (id) => document.activeElement?.closest('[data-file]')?.getAttribute('data-file') === id && document.activeElement?.matches('button.remove'),
        uuid,
      ),
    ).toBe(true);
    expect(await row.count()).toBe(1);
    await press('Enter', 'asks again');
    await page.locator('#confirm-remove[open]').waitFor();
    await tabTo('#confirm-remove button[value=remove]', 'Remove (confirm)');
    await press('Enter', 'remove');
    await row.waitFor({ state: 'detached' });
    await page.locator('#notice', { hasText: `Removed ${KEYBOARD_FILE}` }).waitFor();
    // The focus lands somewhere the keyboard can go on from, not on the page itself.
    expect(await page.evaluate(() => document.activeElement !== document.body && document.activeElement !== null)).toBe(true);
    expect(pageErrors).toEqual([]);
    await browser.screenshot('admin-keyboard-walk-390');
  });
}
