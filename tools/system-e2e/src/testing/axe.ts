import { source as axeSource } from 'axe-core';
import type { Page } from 'playwright-core';

/** The WCAG 2.0 and 2.1 rules of levels A and AA. */
export const WCAG_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** CSS selectors of the offending elements. */
  targets: string[];
}

/**
 * Runs axe-core inside the page as it is now (injected once per document) with the WCAG A and AA
 * rules, and answers the violations, each with the elements it was found on.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  // Injected through the debugging protocol, not a <script> tag, so no page policy can refuse it.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  }, WCAG_AA_TAGS);
}

/** One line per violation, for a failing assertion's message and the report. */
export const describeViolations = (violations: AxeViolation[]) => violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.targets.slice(0, 4).join(', ')}`);
