import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from './index';
import { pooledAgreement, wordAgreement, type Agreement } from './testing/word-agreement';

/** PDFs made by LibreOffice and pdftotext's text of each, committed (see bench/real-producer/make-fixtures.ts). */
const corpus = join(__dirname, '../bench/real-producer');
const textOf = async (name: string) => (await parseDocument({ path: join(corpus, `${name}.pdf`), fileName: `${name}.pdf` })).pages.map((p) => p.text).join('\n');
const reference = (name: string) => readFileSync(join(corpus, `${name}.pdftotext.txt`), 'utf8');

describe('PDF text reads as the document does (real producer, against pdftotext)', () => {
  it('joins words hyphenated at a line end, and keeps two columns in reading order', async () => {
    const text = await textOf('two-columns-hyphenated');
    expect(text).not.toMatch(/\p{L}-\n\p{Ll}/u);
    expect(text).toContain('Vestibulum convallis consectetur scelerisque');
    expect(text).toContain('the superintendent countersigns every authorisation');
    // The source's paragraphs, in the source's order: column one is read before column two.
    const starts = [
      'Pellentesque habitant',
      'The maintenance documentation',
      'Hydroelectricity installations',
      'Notwithstanding considerable',
      'Vivamus suscipit',
      'Responsibilities for documentation',
    ];
    const at = starts.map((start) => text.indexOf(start));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('turns ligatures and Arabic presentation forms into letters (NFKC)', async () => {
    const ligatures = await textOf('ligatures');
    expect(ligatures).not.toMatch(/[\uFB00-\uFB06]/);
    expect(ligatures).toContain('The office files were flagged for the final audit');
    expect(ligatures).toContain('Sufficient staff were affected');
    const arabic = await textOf('arabic-and-english');
    expect(arabic).not.toMatch(/[\uFB50-\uFDFF\uFE70-\uFEFF]/);
    expect(arabic).toContain('مرحبا بكم في محطة الضخ');
  });

  it('agrees with pdftotext word for word: recall and precision of at least 0.99 over the corpus', async () => {
    const parts: Agreement[] = [];
    for (const name of ['two-columns-hyphenated', 'three-columns', 'ligatures', 'arabic-and-english']) {
      const agreement = wordAgreement(reference(name), await textOf(name));
      // three-columns: pdftotext itself splits two hyphenated words across its column blocks ("authoris-" … "ation").
      expect({ name, recall: agreement.recall >= 0.98, precision: agreement.precision >= 0.98 }).toEqual({ name, recall: true, precision: true });
      parts.push(agreement);
    }
    const pooled = pooledAgreement(parts);
    expect(pooled.recall).toBeGreaterThanOrEqual(0.99);
    expect(pooled.precision).toBeGreaterThanOrEqual(0.99);
  });
});
