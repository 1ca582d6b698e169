/** Words of a text for comparing extractions: NFKC letters and digits, lower case. */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{M}\p{N}]+/gu) ?? []
  );
}

export interface Agreement {
  /** Share of the reference's words that ours has (as a multiset). */
  recall: number;
  /** Share of our words that the reference has. */
  precision: number;
  referenceWords: number;
  ourWords: number;
  /** Some of the words only the reference has, and only ours has: what a reader of the figures wants to see. */
  missing: string[];
  extra: string[];
}

/** Word-level agreement of `ours` with `reference`, counting each word as often as it occurs. */
export function wordAgreement(reference: string, ours: string): Agreement {
  const counts = new Map<string, number>();
  const referenceWords = words(reference);
  for (const word of referenceWords) counts.set(word, (counts.get(word) ?? 0) + 1);
  const ourWords = words(ours);
  let matched = 0;
  const extra: string[] = [];
  for (const word of ourWords) {
    const left = counts.get(word) ?? 0;
    if (left > 0) {
      counts.set(word, left - 1);
      matched++;
    } else extra.push(word);
  }
  const missing = [...counts.entries()].filter(([, n]) => n > 0).map(([word]) => word);
  return {
    recall: referenceWords.length ? matched / referenceWords.length : 1,
    precision: ourWords.length ? matched / ourWords.length : 1,
    referenceWords: referenceWords.length,
    ourWords: ourWords.length,
    missing: missing.slice(0, 8),
    extra: extra.slice(0, 8),
  };
}

/** Several documents' agreements as one: words summed over all of them. */
export function pooledAgreement(parts: Agreement[]): { recall: number; precision: number } {
  const reference = parts.reduce((n, p) => n + p.referenceWords, 0);
  const ours = parts.reduce((n, p) => n + p.ourWords, 0);
  const matched = parts.reduce((n, p) => n + p.recall * p.referenceWords, 0);
  return { recall: matched / reference, precision: matched / ours };
}
