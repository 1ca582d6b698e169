import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { IMPORT_RESULTS_CSV_HEADER, importResultCsvLines, type ImportResult, type ImportView } from '@docingest/contracts';

const logger = new Logger('imports');

/** Resolves once the client has taken what was written, or has gone. */
function drained(response: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/**
 * Writes an import's whole results as they are read, a batch at a time, waiting for the client
 * to take each before the next is read: the api holds one batch whatever the import's size. The
 * first batch is read before the status line, so a database error then is still a clean 500; a
 * later one cuts the response short (no JSON or CSV end), which a client sees as an error, never
 * as complete results.
 */
export async function streamResults(response: Response, view: ImportView, batches: AsyncGenerator<ImportResult[]>, csv: boolean): Promise<void> {
  let next = await batches.next();
  response.status(200);
  if (csv) {
    response.setHeader('content-type', 'text/csv; charset=utf-8');
    response.setHeader('content-disposition', `attachment; filename="import-${view.import_id}.csv"`);
  } else {
    response.setHeader('content-type', 'application/json; charset=utf-8');
  }
  let written = 0;
  const write = async (text: string) => {
    if (!response.write(text)) await drained(response);
  };
  try {
    await write(csv ? IMPORT_RESULTS_CSV_HEADER : `${JSON.stringify({ import_id: view.import_id, status: view.status }).slice(0, -1)},"results":[`);
    while (!next.done && !response.destroyed) {
      const rows = next.value;
      if (csv) await write(importResultCsvLines(rows));
      else await write(`${written ? ',' : ''}${rows.map((r) => JSON.stringify(r)).join(',')}`);
      written += rows.length;
      if (!response.destroyed) next = await batches.next();
    }
    if (response.destroyed) return void (await batches.return(undefined));
    response.end(csv ? '' : '],"next_cursor":null}');
  } catch (error) {
    logger.warn(JSON.stringify({ event: 'import.results_cut', import_id: view.import_id, written, reason: (error as Error).message }));
    response.destroy(error as Error);
  }
}
