import { createHash } from 'node:crypto';

/** A UUID fixed by the object key: every run re-ingests the same file under the same id. */
export function fileUuidFor(key: string): string {
  const hex = createHash('sha1').update(`bench:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
