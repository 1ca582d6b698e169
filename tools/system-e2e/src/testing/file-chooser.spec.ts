import { openBrowser, type Browser } from './browser';
import { nextFileChooser } from './file-chooser';

/** What the test page notes: the chooser reported to the test, or cancelled by the browser. */
interface Seen {
  seen: 'reported' | 'cancelled' | '';
}

/**
 * A file chooser opened from the keyboard while the page's main thread is busy: the key reaches
 * the renderer before Playwright's interception does unless the helper has waited for it, and
 * headless Chromium then cancels the chooser.
 */
describe('nextFileChooser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await openBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('reports the chooser that Enter opens on a focused file input, though the page is busy when the key comes', async () => {
    const outcomes: string[] = [];
    // Each on a page of its own: a wait left over from an attempt keeps the interception on.
    for (let attempt = 0; attempt < 3; attempt++) {
      const page = await browser.context.newPage();
      try {
        await page.setContent('<input id="pick" type="file">');
        await page.evaluate(() => {
          document.getElementById('pick')!.addEventListener('cancel', () => ((window as unknown as Seen).seen ||= 'cancelled'));
        });
        await page.focus('#pick');
        // The main thread busy from the next task on: the interception and the key wait, and the
        // renderer then takes input first.
        await page.evaluate(() => {
          setTimeout(() => {
            const end = performance.now() + 200;
            while (performance.now() < end);
          });
        });
        const chooser = await nextFileChooser(page);
        chooser.opened.then(() => page.evaluate(() => ((window as unknown as Seen).seen ||= 'reported'))).catch(() => undefined);
        await page.keyboard.press('Enter');
        // A chooser not intercepted is cancelled at once, so no wait has to run out to tell.
        const seen = await page.waitForFunction(() => (window as unknown as Seen).seen);
        outcomes.push(await seen.jsonValue());
      } finally {
        await page.close();
      }
    }
    expect(outcomes).toEqual(['reported', 'reported', 'reported']);
  });
});
