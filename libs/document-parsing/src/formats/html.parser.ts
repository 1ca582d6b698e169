import { Parser } from 'htmlparser2';
import { DEFAULT_PARSE_LIMITS, DocumentLimitError, TextBudget, formatCount, type ParseLimits } from '../parse-limits';

/** Elements whose content is not reading text. */
const DROPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'math', 'head', 'iframe', 'object', 'canvas', 'select']);
/** Elements that make a paragraph of their own. */
const BLOCK = new Set([
  'p',
  'div',
  'section',
  'article',
  'header',
  'footer',
  'main',
  'aside',
  'nav',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'dl',
  'table',
  'caption',
  'blockquote',
  'pre',
  'hr',
  'figure',
  'figcaption',
  'form',
  'fieldset',
  'address',
  'details',
  'summary',
]);
/** Elements that start a line of their own: list items, table rows. */
const LINE = new Set(['li', 'dt', 'dd', 'tr', 'option']);

export interface HtmlOptions {
  limits?: Pick<ParseLimits, 'maxDepth' | 'outputRatio' | 'maxTextChars'>;
  /** The file's size, for the output budget; default the text's length. */
  inputBytes?: number;
}

/**
 * Readable text from HTML: scripts, styles and other non-text elements dropped, blocks and
 * line breaks kept as line breaks (a blank line between paragraphs), cells separated, entities
 * decoded by the parser. htmlparser2 reads in one pass whatever the markup (unclosed tags,
 * comments or quotes cost no rescans); elements nested deeper than `maxDepth` and text beyond
 * the output budget stop it with a DocumentLimitError.
 */
export function htmlToText(html: string, options: HtmlOptions = {}): string {
  const limits = { ...DEFAULT_PARSE_LIMITS, ...options.limits };
  const budget = new TextBudget(options.inputBytes ?? html.length, limits);
  const parts: string[] = [];
  const emit = (text: string) => {
    budget.add(text.length);
    parts.push(text);
  };
  let depth = 0;
  let dropped = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (++depth > limits.maxDepth) {
          throw new DocumentLimitError(
            'maxDepth',
            `the HTML nests elements more than ${formatCount(limits.maxDepth)} deep (unclosed tags?); the limit is ${formatCount(limits.maxDepth)} levels`,
          );
        }
        if (DROPPED.has(name)) dropped++;
        if (dropped > 0) return;
        if (name === 'br') emit('\n');
        else if (name === 'td' || name === 'th') emit('\t');
        else if (BLOCK.has(name)) emit('\n\n');
        else if (LINE.has(name)) emit('\n');
      },
      onclosetag(name) {
        depth--;
        if (DROPPED.has(name)) dropped = Math.max(0, dropped - 1);
        else if (dropped === 0 && BLOCK.has(name)) emit('\n\n');
      },
      ontext(text) {
        if (dropped === 0) emit(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return parts
    .join('')
    .replace(/[ \t\f\v\u00a0\u2000-\u200a\u3000]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
