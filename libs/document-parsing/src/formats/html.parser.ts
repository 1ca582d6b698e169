import { decodeEntities } from './html-entities';

/** Elements whose content is not reading text. */
const DROPPED = /<(script|style|noscript|template|svg|math|head|iframe|object|canvas|select)\b[\s\S]*?<\/\1\s*>/gi;
/** Elements that make a paragraph of their own. */
const BLOCK = /<\/?(p|div|section|article|header|footer|main|aside|nav|h[1-6]|ul|ol|dl|table|caption|blockquote|pre|hr|figure|figcaption|form|fieldset|address|details|summary)\b[^>]*>/gi;
/** Elements that start a line of their own: list items, table rows. */
const LINE = /<(li|dt|dd|tr|option)\b[^>]*>/gi;

/**
 * Readable text from HTML: scripts, styles and other non-text elements dropped, blocks and
 * line breaks kept as line breaks (a blank line between paragraphs), cells separated, entities
 * decoded. LlamaIndex's HTMLReader leaves entities encoded (`&amp;`) and runs blocks together,
 * hence this small converter.
 */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, ' ')
      .replace(DROPPED, ' ')
      .replace(/<br\b[^>]*>/gi, '\n')
      .replace(/<t[dh]\b[^>]*>/gi, '\t')
      .replace(BLOCK, '\n\n')
      .replace(LINE, '\n')
      .replace(/<\/?[a-zA-Z][^>]*>/g, '')
      .replace(/<![^>]*>/g, ''), // doctype and other declarations
  )
    .replace(/[ \t\f\v\u00a0\u2000-\u200a\u3000]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
