import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { DocumentParseError } from '../parsed-document';
import type { TextBudget } from '../parse-limits';

const DELIMITERS = [',', ';', '\t', '|'];

/** The delimiter the header line uses most, outside quotes: Excel writes `;` in many locales. */
export function guessDelimiter(firstLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const delimiter of DELIMITERS) {
    let count = 0;
    let quoted = false;
    for (const char of firstLine) {
      if (char === '"') quoted = !quoted;
      else if (char === delimiter && !quoted) count++;
    }
    if (count > bestCount) [best, bestCount] = [delimiter, count];
  }
  return best;
}

const oneLine = (value: string) => value.replace(/\s+/g, ' ').trim();

/**
 * CSV rows as lines of `header: value; header: value`, so each chunk keeps what its numbers
 * mean. Empty cells are left out; a file with only a header row gives that row. The rows are
 * read as a stream and every line is counted against the budget as it is made, so a header that
 * multiplies with the rows stops the file at the budget instead of filling memory.
 */
export async function csvToText(source: { path: string } | { text: string }, firstLine: string, budget: TextBudget): Promise<string> {
  const input = 'path' in source ? createReadStream(source.path) : Readable.from([source.text]);
  const parser = input.pipe(parse({ delimiter: guessDelimiter(firstLine), bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }));
  const lines: string[] = [];
  let header: string[] | undefined;
  try {
    for await (const row of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = row.map((name, i) => oneLine(name) || `column ${i + 1}`);
        continue;
      }
      const cells: string[] = [];
      row.forEach((value, i) => {
        const text = oneLine(value);
        if (text) cells.push(`${header![i] ?? `column ${i + 1}`}: ${text}`);
      });
      if (cells.length) {
        const line = cells.join('; ');
        budget.add(line.length + 1);
        lines.push(line);
      }
    }
  } catch (error) {
    if (error instanceof DocumentParseError) throw error;
    throw new DocumentParseError('corrupt', `the CSV file cannot be read: ${(error as CsvError).message}`, { cause: error });
  } finally {
    input.destroy();
  }
  if (lines.length === 0 && header) return header.join(', ');
  return lines.join('\n');
}
