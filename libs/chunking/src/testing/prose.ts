/**
 * Varied English prose from a seeded generator: the same seed always gives the same text, so
 * tests and benchmarks are repeatable. Sentences are real ones, recombined, with numbers,
 * abbreviations and quotes mixed in, as documents have them. Each sentence starts with its own
 * number (`Note 12: ...`), so a test can tell which sentences a chunk holds.
 */
const SENTENCES = [
  'The pump station on the north bank was rebuilt after the flood of 1998.',
  'Operators check the pressure gauges twice a shift and log every reading.',
  'Dr. Hansen wrote the first maintenance manual, e.g. the chapter on seals.',
  'If a valve sticks, close the upstream gate before touching the actuator.',
  'Invoices are paid within thirty days; late fees apply after sixty.',
  'The committee met on 4 March and approved a budget of 2,450,000 kroner.',
  '“Never run the turbine dry,” the foreman said, “not even for a minute.”',
  'Backup tapes rotate every Friday and are stored off site for a year.',
  'Why does the alarm sound at night? Usually the filter needs changing.',
  'A lighthouse keeper once logged 3.5 metres of snow in a single week.',
  'Each badge expires after twelve months and must be renewed in person.',
  'The river carries silt from the glacier, which wears the impellers down.',
  'Safety training covers lifting, ladders, confined spaces and first aid.',
  'Temperatures in the control room stay between 18 and 22 degrees.',
  'Contractors sign in at the gate, wear a helmet and stay with an escort!',
  'Spare parts are ordered through the central warehouse, not by phone.',
  'The old copper cables were replaced with fibre during the 2016 upgrade.',
  'When the grid frequency drops, the reserve units start automatically.',
  'Mr. Olsen keeps the keys to the archive; ask him before you go down.',
  'Water samples go to the laboratory in Bergen every second Tuesday.',
];

export function prose(sentenceCount: number, seed = 1): string[] {
  let state = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: small, fast and the same everywhere.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const out: string[] = [];
  for (let i = 0; i < sentenceCount; i++) {
    const base = SENTENCES[next() % SENTENCES.length];
    out.push(`Note ${i + 1}: ${base}`);
  }
  return out;
}

/** Prose as paragraphs of three to seven sentences. */
export function proseParagraphs(sentenceCount: number, seed = 1): string {
  const sentences = prose(sentenceCount, seed);
  const paragraphs: string[] = [];
  for (let i = 0; i < sentences.length;) {
    const length = 3 + ((i * 7 + seed) % 5);
    paragraphs.push(sentences.slice(i, i + length).join(' '));
    i += length;
  }
  return paragraphs.join('\n\n');
}
