import { DocumentParseError } from '../parsed-document';

/**
 * JSON as `path: value` lines (`specs.rpm: 1450`, `tags.0: a`), so each value keeps the name
 * that says what it is; empty strings, arrays and objects say nothing and are left out.
 */
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
      const shown = typeof node === 'string' ? node.trim() : String(node);
      if (shown) lines.push(path ? `${path}: ${shown}` : shown);
      return;
    }
    for (const [key, child] of Object.entries(node)) walk(child, path ? `${path}.${key}` : key);
  };
  walk(value, '');
  return lines.join('\n');
}
