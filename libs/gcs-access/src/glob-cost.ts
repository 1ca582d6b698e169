/**
 * The most wildcards a glob may hold, and brace groups. picomatch turns a glob into a
 * backtracking regular expression: a name it fails to match costs time that grows with the
 * name's length to the power of the wildcards it can shift between (`*a*a*a*b` against a
 * 1,000-character name blocks the event loop for seconds; 25 `{a,aa}` groups for as long), and a
 * page of a thousand such names would stall the whole api. Within these bounds the worst case
 * measured stays in the tens of milliseconds for a 1,000-character name.
 */
export const GLOB_LIMITS = { wildcards: 3, wildcardsPerSegment: 2, braceGroups: 2 } as const;

/** Why the glob is refused, or null when it is within GLOB_LIMITS and free of extglobs. */
export function globCostProblem(glob: string): string | null {
  let wildcards = 0;
  let inSegment = 0;
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') {
      i++; // an escaped character is a literal
    } else if (c === '[') {
      // A bracket class matches one character, whatever it holds.
      const end = glob.indexOf(']', i + 2);
      if (end > 0) i = end;
    } else if (c === '/') {
      inSegment = 0;
    } else if (glob[i + 1] === '(' && '@!+*?'.includes(c)) {
      return `extglobs such as '${c}(…)' are not supported; use include and exclude globs side by side`;
    } else if (c === '*') {
      while (glob[i + 1] === '*') i++; // `**` is one wildcard
      wildcards++;
      inSegment++;
      if (inSegment > GLOB_LIMITS.wildcardsPerSegment) return `at most ${GLOB_LIMITS.wildcardsPerSegment} '*' between two '/'`;
      if (wildcards > GLOB_LIMITS.wildcards) return `at most ${GLOB_LIMITS.wildcards} '*' or '**'`;
    } else if (c === '{' && ++braces > GLOB_LIMITS.braceGroups) {
      return `at most ${GLOB_LIMITS.braceGroups} '{…}' groups`;
    }
  }
  return null;
}
