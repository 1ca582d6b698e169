import type { FileChooser, Page } from 'playwright-core';

/**
 * Starts waiting for the page's next file chooser, and answers once the browser is sure to report
 * it: `opened` is then the chooser a key or click opens.
 *
 * Playwright has Chromium intercept file choosers from the moment the first 'filechooser' listener
 * is added, and does not wait for it. Chromium's renderer takes that command from its DevTools
 * channel and key presses from its input channel, in no set order (input first when the page is
 * busy), so a key pressed at once could open the chooser before it is intercepted: headless
 * Chromium cancels such a chooser, and the wait runs out. An evaluate is answered over the same
 * DevTools channel, after the command before it.
 */
export async function nextFileChooser(page: Page): Promise<{ opened: Promise<FileChooser> }> {
  const opened = page.waitForEvent('filechooser');
  // Awaited by the caller; until then a failed wait is not an unhandled rejection.
  opened.catch(() => undefined);
  await page.evaluate(() => undefined);
  return { opened };
}
