import { generateCorpus, largeTextFile, PROFILES } from './corpus-generator';

describe('corpus generator', () => {
  it('makes the same bytes from the same seed and other bytes from another', async () => {
    const [a, b, c] = await Promise.all([generateCorpus('quick', 1), generateCorpus('quick', 1), generateCorpus('quick', 2)]);
    expect(a.map((f) => f.key)).toEqual(b.map((f) => f.key));
    expect(a.every((f, i) => f.bytes.equals(b[i].bytes))).toBe(true);
    expect(a.filter((f) => f.group !== 'pdf').some((f, i) => !f.bytes.equals(c[i].bytes))).toBe(true);
  });

  it('has the profile’s small Markdown/text files, large files and PDFs, sized as asked', async () => {
    const files = await generateCorpus('quick');
    const profile = PROFILES.quick;
    expect(files.filter((f) => f.group === 'small')).toHaveLength(profile.small.count);
    expect(files.filter((f) => f.group === 'large')).toHaveLength(profile.large.count);
    expect(files.filter((f) => f.group === 'pdf')).toHaveLength(profile.pdf.count);
    for (const f of files.filter((f) => f.group === 'small')) {
      expect(f.bytes.length).toBeGreaterThanOrEqual(profile.small.minBytes);
      expect(f.bytes.length).toBeLessThan(profile.small.maxBytes + 2_000);
    }
    expect(files.some((f) => f.key.endsWith('.md') && f.bytes.toString().startsWith('# '))).toBe(true);
    expect(files.some((f) => f.key.endsWith('.txt'))).toBe(true);
    const pdf = files.find((f) => f.group === 'pdf')!;
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(files.filter((f) => f.local).length).toBe(profile.local.small + profile.local.large + profile.local.pdf);
  });

  it('writes varied sentences, not one repeated line', async () => {
    const text = (await generateCorpus('quick')).find((f) => f.group === 'large')!.bytes.toString();
    const sentences = text.split(/(?<=[.?!])\s+/).filter((s) => s.length > 20);
    expect(sentences.length).toBeGreaterThan(100);
    expect(new Set(sentences).size / sentences.length).toBeGreaterThan(0.95);
    expect(text).not.toMatch(/\ba [aeiou]/);
  });

  it('makes a large text file of exactly the size asked', () => {
    const file = largeTextFile(3 * 1024 * 1024);
    expect(file.length).toBe(3 * 1024 * 1024);
    expect(file.toString('utf8', 0, 2000)).toMatch(/\w+ \w+/);
  });
});
