import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEncryptedPdf, buildPdf, proseSentences } from '@docingest/document-parsing/testing';

/** Sentences the searches look for: each appears once, on a known page of a known file. */
export const PDF_PAGE_TWO_SENTENCE = 'The lighthouse keeper on Skarv island counts the puffins every morning at dawn.';
export const MARKDOWN_SENTENCE = 'Forklift drivers must renew their certificate every three years at the depot.';
export const BROWSER_PDF_SENTENCE = 'Beekeepers in the valley harvest heather honey late in August each year.';

/** A two-page PDF whose second page holds `pageTwoSentence`. */
export async function twoPagePdf(pageOneSentence: string, pageTwoSentence: string): Promise<Buffer> {
  return Buffer.from(
    await buildPdf([
      [pageOneSentence, 'The first page talks about the weather, the harbour and the ferry timetable.'],
      ['The second page is about wildlife.', pageTwoSentence],
    ]),
  );
}

/**
 * A PDF long enough (about 25 pages of prose after the first two) that its ingestion takes a few
 * seconds, so a watcher sees it in progress; its second page holds `pageTwoSentence`.
 */
export async function longPdf(pageTwoSentence: string): Promise<Buffer> {
  const prose = Array.from({ length: 24 }, (_, i) => [proseSentences(70, i + 7, i * 70 + 1).join(' ')]);
  return Buffer.from(
    await buildPdf([['Honey is sold at the market on Saturdays, next to the fish stall.'], ['The second page is about the bees.', pageTwoSentence], ...prose]),
  );
}

export const markdownGuide = `# Depot handbook

## Vehicles

${MARKDOWN_SENTENCE}

## Opening hours

The depot opens at seven and closes at five on weekdays.
`;

/** Writes the CLI's files into `dir`: a Markdown guide, a two-page PDF and a password-locked PDF. */
export async function writeCliDocuments(dir: string) {
  mkdirSync(dir, { recursive: true });
  const files = {
    markdown: join(dir, 'depot-guide.md'),
    pdf: join(dir, 'island-report.pdf'),
    encrypted: join(dir, 'locked-report.pdf'),
  };
  writeFileSync(files.markdown, markdownGuide);
  writeFileSync(files.pdf, await twoPagePdf('Ferries leave the harbour at noon when the sea is calm.', PDF_PAGE_TWO_SENTENCE));
  writeFileSync(files.encrypted, buildEncryptedPdf());
  return files;
}
