import type { Locator, Page } from 'playwright-core';

/** What the browser suites do on the admin UI's files list: find a row, wait for a status, upload. */
export interface FileToUpload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

export const rowNamed = (page: Page, name: string): Locator => page.locator('#file-rows tr.file-row').filter({ has: page.getByText(name, { exact: true }) });

export const statusOf = (page: Page, uuid: string) => page.locator(`#file-rows tr[data-file="${uuid}"]`).getAttribute('data-status');

/** Waits until the row of file `uuid` reads `status`, as the page's own polling shows it. */
export const waitForStatus = (page: Page, uuid: string, status: string) =>
  page.waitForFunction(
    ([id, wanted]) => (document.querySelector(`#file-rows tr[data-file="${id}"]`) as HTMLElement | null)?.dataset.status === wanted,
    [uuid, status] as const,
    {
      timeout: 180_000,
      polling: 100,
    },
  );

/** Uploads one file through the page's form and answers its uuid once its row is shown. */
export async function uploadInPage(page: Page, file: FileToUpload, autoIngest: boolean): Promise<string> {
  await page.setChecked('#upload-auto', autoIngest);
  await page.setInputFiles('#upload-input', file);
  await page.click('#upload-button');
  const row = rowNamed(page, file.name);
  await row.waitFor({ timeout: 60_000 });
  return (await row.getAttribute('data-file'))!;
}
