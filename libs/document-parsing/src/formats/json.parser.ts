import { DocumentParseError } from '../parsed-document';
import { DocumentLimitError, formatCount, type TextBudget } from '../parse-limits';

/**
 * How deep the text's arrays and objects nest, found in one pass before anything is parsed
 * (strings skipped), so a document nested a million deep is refused before it is built.
 */
function nestingDepth(text: string, limit: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c)
        i++; // backslash: the next character is escaped
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > limit) {
        throw new DocumentLimitError('maxDepth', `the JSON nests arrays and objects more than ${formatCount(limit)} deep; the limit is ${formatCount(limit)} levels`);
      }
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
}

/**
 * JSON as `path: value` lines (`specs.rpm: 1450`, `tags.0: a`), so each value keeps the name
 * that says what it is; empty strings, arrays and objects say nothing and are left out. The
 * nesting is checked first and the lines are counted against the budget as they are made (a
 * long path repeated over many values is what floods), walking with a stack, not recursion.
 */
export function jsonToText(text: string, maxDepth: number, budget: TextBudget): string {
  nestingDepth(text, maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DocumentParseError('corrupt', `the JSON file is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const lines: string[] = [];
  // Children pushed in reverse so they come off the stack in document order.
  const stack: Array<[node: unknown, path: string]> = [[value, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object') {
      const shown = typeof node === 'string' ? node.trim() : String(node);
      if (!shown) continue;
      const line = path ? `${path}: ${shown}` : shown;
      budget.add(line.length + 1);
      lines.push(line);
      continue;
    }
    const entries = Object.entries(node);
    for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i][1], path ? `${path}.${entries[i][0]}` : entries[i][0]]);
  }
  return lines.join('\n');
}
