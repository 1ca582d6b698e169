import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const SENTENCES = [
  'The pump station on the north bank was rebuilt after the flood of 1998.',
  'Operators check the pressure gauges twice a shift and log every reading.',
  'Dr. Hansen wrote the first maintenance manual, including the chapter on seals.',
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
  'Temperatures in the control room stay between 18 and 22 degrees — always.',
  'Contractors sign in at the gate, wear a helmet and stay with an escort!',
  'Spare parts are ordered through the central warehouse, not by phone.',
];

/** Seeded, repeatable prose: sentence i is `Note i: <a real sentence>`. */
export function proseSentences(count: number, seed = 1, firstNumber = 1): string[] {
  let state = seed >>> 0 || 1;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.push(`Note ${firstNumber + i}: ${SENTENCES[(state >>> 8) % SENTENCES.length]}`);
  }
  return out;
}

/**
 * Writes about `bytes` of prose paragraphs to `path` without holding them in memory: the
 * large-file fixture for memory benchmarks. Resolves with the bytes written.
 */
export async function writeProseFile(path: string, bytes: number, seed = 1): Promise<number> {
  const out = createWriteStream(path);
  let written = 0;
  let n = 0;
  while (written < bytes) {
    const paragraph = `${proseSentences(6, seed + n, n * 6 + 1).join(' ')}\n\n`;
    n++;
    written += Buffer.byteLength(paragraph);
    if (!out.write(paragraph)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return written;
}
