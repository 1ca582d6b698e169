/** GCS orders names by their UTF-8 bytes, which differs from JS string order for some characters. */
export function compareObjectNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
