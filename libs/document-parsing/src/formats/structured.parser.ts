import { parse } from 'csv-parse/sync';
import { DocumentParseError } from '../parsed-document';

/** CSV rows as lines of `header: value`, so each chunk keeps what its numbers mean. */
export function csvToText(text: string): string {
  let rows: string[][];
  try {
    rows = parse(text, { relax_column_count: true, skip_empty_lines: true, bom: true });
  } catch (error) {
    throw new DocumentParseError('corrupt', `the CSV file cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (rows.length === 0) return '';
  const [header, ...body] = rows;
  if (body.length === 0) return header.join(', ');
  return body.map((row) => row.map((value, i) => `${header[i] ?? `column ${i + 1}`}: ${value}`).join('; ')).join('\n');
}

/** JSON values as `path: value` lines. */
export function jsonToText(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DocumentParseError('corrupt', `the JSON file is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const lines: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (node === null || typeof node !== 'object') {
      lines.push(path ? `${path}: ${String(node)}` : String(node));
      return;
    }
    for (const [key, child] of Object.entries(node)) walk(child, path ? `${path}.${key}` : key);
  };
  walk(value, '');
  return lines.join('\n');
}
