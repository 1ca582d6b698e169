export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** The encoding a byte-order mark declares; UTF-8 when there is none. */
export function textEncodingOf(head: Buffer): TextEncoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

export type TextVerdict = 'text' | 'binary' | 'legacy-text';

/**
 * Whether a sample is text. NUL bytes or invalid UTF-8 mean binary, except that a file
 * without NULs and with hardly any control characters is most likely text in a legacy 8-bit
 * encoding (Windows-1252 CSV exports), which deserves its own message.
 */
export function classifyText(head: Buffer): TextVerdict {
  if (textEncodingOf(head) !== 'utf-8') return 'text';
  const hasNul = head.includes(0);
  // `stream: true`: a character cut by the end of the sample is not an error.
  if (!hasNul && !new TextDecoder('utf-8').decode(head, { stream: true }).includes('\uFFFD')) return 'text';
  if (hasNul) return 'binary';
  let controls = 0;
  for (const byte of head) if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) controls++;
  return controls <= head.length / 200 ? 'legacy-text' : 'binary';
}

/** A whole file's text: the byte-order mark dropped, UTF-16 decoded when it declares so. */
export function decodeText(bytes: Buffer): string {
  const encoding = textEncodingOf(bytes);
  if (encoding !== 'utf-8') return new TextDecoder(encoding).decode(bytes); // drops the BOM itself
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  // toString with an offset decodes in place: no copy of a large buffer.
  return bytes.toString('utf8', hasBom ? 3 : 0);
}
