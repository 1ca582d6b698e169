/**
 * Seeded texts made of the pieces that steer a sentence splitter: abbreviations (also inside
 * words, as LlamaIndex's tokenizer matches them), decimals, URIs and e-mail addresses, quotes,
 * ellipses, paragraph breaks of two and three newlines, very long words, emoji and accents.
 */
const PIECES = [
  'Dr.',
  ' Smith',
  ' went',
  ' home',
  ' to',
  ' the',
  ' river',
  '.',
  ' ',
  '\n',
  '\n\n',
  '\n\n\n',
  '3.5',
  '1,234.56',
  ' e.g.',
  ' i.e.',
  ' etc.',
  '?',
  '!',
  '...',
  '…',
  '”',
  ')',
  ' “Hi.”',
  ' The',
  ' meeting.',
  ' lab.',
  ' ARt.',
  ' A.S.A.P.',
  ' p.m.',
  'Mrs.',
  ' (see 4.2).',
  ',',
  ';',
  ' x',
  'é',
  '😀',
  '\t',
  '\u00a0',
  ' www.example.com',
  ' mail@x.org',
  ' 12.',
  ' 4,',
  ' and',
  ' but',
  ' supercalifragilisticexpialidocious',
  'QmFzZTY0IGRhdGEgd2l0aG91dCBhbnkgc3BhY2Vz',
];

export function mixedText(seed: number, pieces: number): string {
  let state = seed >>> 0 || 1;
  let text = '';
  for (let i = 0; i < pieces; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    text += PIECES[(state >>> 8) % PIECES.length];
  }
  return text;
}
