import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { reportsDir } from './e2e-system';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const screenshotsDir = join(reportsDir, 'screenshots');

// Nothing in the browser may reach the network or phone home: the tests are loopback only.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Saves a full-page screenshot under reports/screenshots/ and answers its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Debian's chromium, headless, with a fresh profile, at a 1280 px wide window. */
export async function openBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  const profile = mkdtempSync(join(tmpdir(), 'docingest-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 860 },
      timeout: 60_000,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(screenshotsDir, { recursive: true });
  return {
    context,
    page,
    async screenshot(name) {
      const path = join(screenshotsDir, `${name}.png`);
      await page.screenshot({ path, fullPage: true, animations: 'disabled' }); // bars drawn at their value, not mid-transition
      return path;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
