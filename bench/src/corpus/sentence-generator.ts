import type { SeededRandom } from './seeded-random';
import { WORDS } from './word-lists';

type Slot = keyof typeof WORDS | 'number' | 'year';

/**
 * Sentence shapes with slots. Varied shapes and lengths give the splitter real sentence
 * boundaries and the embedder texts that differ, as documents do; one repeated line would not.
 */
const TEMPLATES: string[] = [
  'The {adjectives} {nouns} was {pastVerbs} by {people} {times}.',
  '{people} {pastVerbs} the {adjectives} {nouns} {prepositions} the {nouns} and wrote a short note about it.',
  'Each {nouns} {presentVerbs} a {adjectives} {nouns} that the {nouns} keeps {prepositions} the {nouns}.',
  '{connectives}, the {nouns} {presentVerbs} {number} {nouns}s per shift.',
  'In {year} the {adjectives} {nouns} {presentVerbs} the {nouns}, which {people} {pastVerbs} {adverbs}.',
  'A {adjectives} {nouns} {prepositions} the {nouns} was {pastVerbs} {adverbs} {times}.',
  'The {nouns} {presentVerbs} how the {nouns} is {pastVerbs}, who signs it, and where the {adjectives} copy is kept.',
  '{connectives}, {people} asked whether the {nouns} could be {pastVerbs} {times}.',
  'Of the {number} {nouns}s {pastVerbs} {times}, only a few were {adjectives}.',
  'The {adjectives} {nouns} {presentVerbs} the {adjectives} {nouns}; the {nouns} {presentVerbs} nothing else.',
  'Why was the {nouns} {pastVerbs} {adverbs}?',
  '{people} and {people} {pastVerbs} the {nouns} together {times}, then {pastVerbs} the {adjectives} {nouns}.',
  'Nobody {pastVerbs} the {adjectives} {nouns} until the {nouns} {presentVerbs} it.',
  'The {nouns} costs {number} euros a month and {presentVerbs} the {adjectives} {nouns}.',
];

/** Sentences, paragraphs and headings from a seeded generator: the same seed gives the same text. */
export class SentenceGenerator {
  constructor(private readonly random: SeededRandom) {}

  sentence(): string {
    const template = this.random.pick(TEMPLATES);
    const filled = template.replace(/\{(\w+)\}/g, (_, slot: Slot) => this.fill(slot));
    return filled.replace(/\b([Aa]) (?=[aeiouAEIOU])/g, '$1n ');
  }

  paragraph(minSentences = 3, maxSentences = 8): string {
    const count = this.random.int(minSentences, maxSentences);
    return Array.from({ length: count }, () => this.sentence()).join(' ');
  }

  heading(): string {
    return `${this.random.pick(WORDS.headings)}: ${this.fill('adjectives')} ${this.fill('nouns')}`;
  }

  bulletList(): string[] {
    return Array.from({ length: this.random.int(2, 5) }, () => `- ${this.sentence()}`);
  }

  private fill(slot: Slot): string {
    if (slot === 'number') return String(this.random.int(2, 480));
    if (slot === 'year') return String(this.random.int(1998, 2026));
    return this.random.pick(WORDS[slot]);
  }
}
