export class MissingPlaceholderError extends Error {
  readonly names: string[];
}
export function placeholdersOf(text: string): string[];
export function renderManifest(text: string, values: Record<string, string | undefined>, source?: string): string;
