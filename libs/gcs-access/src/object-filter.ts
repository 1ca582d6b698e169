import picomatch from 'picomatch';
import { GcsAccessError } from './gcs-errors';

/**
 * include/exclude globs over object names relative to the import's prefix (picomatch syntax:
 * `**` crosses `/`, `*` does not). Dot names match like any other (an object is not a hidden
 * file). An unbalanced bracket, brace or parenthesis is refused rather than read literally.
 */
export function objectFilter(include: string[], exclude: string[]): (relativeName: string) => boolean {
  const compile = (globs: string[], field: 'include' | 'exclude') =>
    globs.map((glob, i) => {
      try {
        return picomatch(glob, { dot: true, strictBrackets: true });
      } catch (error) {
        throw new GcsAccessError('invalid_path', 400, `${field}[${i}] '${glob}' is not a valid glob: ${(error as Error).message}`);
      }
    });
  const included = compile(include, 'include');
  const excluded = compile(exclude, 'exclude');
  return (name) => (included.length === 0 || included.some((m) => m(name))) && !excluded.some((m) => m(name));
}
