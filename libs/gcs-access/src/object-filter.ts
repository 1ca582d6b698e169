import picomatch from 'picomatch';
import { GcsAccessError } from './gcs-errors';
import { globCostProblem } from './glob-cost';

/**
 * include/exclude globs over object names relative to the import's prefix (picomatch syntax:
 * `**` crosses `/`, `*` does not). Dot names match like any other (an object is not a hidden
 * file). An unbalanced bracket, brace or parenthesis is refused rather than read literally, and
 * so is a glob that could take the matcher unbounded time (see GLOB_LIMITS).
 */
export function objectFilter(include: string[], exclude: string[]): (relativeName: string) => boolean {
  const compile = (globs: string[], field: 'include' | 'exclude') =>
    globs.map((glob, i) => {
      const costly = globCostProblem(glob);
      if (costly) throw new GcsAccessError('invalid_path', 400, `${field}[${i}] '${glob.slice(0, 100)}' is refused: ${costly}`);
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
