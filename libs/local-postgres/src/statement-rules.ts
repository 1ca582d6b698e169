/**
 * What a client's statement means for the one session every client shares. Read from the SQL
 * text of a Query or Parse message, before it runs: cheap enough for every message, so that
 * the costly hand-over work (session-state.ts) is done only for clients that need it. A word
 * inside a string or comment can make a false alarm, which costs one check, never a wrong answer.
 */
export interface StatementRules {
  /** Set: the statement is not run; the client gets this as an ERROR (0A000) in its place. */
  refusal: string | null;
  /** It may change settings (SET, RESET, set_config): carried per client across hand-overs. */
  carried: boolean;
  /** It may leave state that cannot be carried (temporary tables, session advisory locks, holdable cursors): its client keeps the session while that state exists. */
  exclusive: boolean;
}

const NO_RULES: StatementRules = { refusal: null, carried: false, exclusive: false };

// COPY ... FROM STDIN loses PGlite's protocol sync and leaves it in a busy loop, which would take
// every other client down with it.
const COPY_FROM_STDIN = /(^|;)\s*copy\b[^;]*\bfrom\s+stdin\b/i;
const COMMENTS = /--[^\n]*|\/\*[\s\S]*?\*\//g;
/** The first two words of each statement of a (possibly multi-statement) text, comments removed. */
const STATEMENT_START = /(?:^|;)\s*([a-z_]+)\b(?:\s+([a-z_]+))?/gi;
const SET_CONFIG = /\bset_config\s*\(/i;
const EXCLUSIVE = /\bcreate\s+(?:(?:global|local)\s+)?(?:temp|temporary)\b|\binto\s+(?:temp|temporary)\b|\bpg_temp\b|\bpg_(?:try_)?advisory_lock(?:_shared)?\s*\(|\bwith\s+hold\b/i;

export const REFUSALS = {
  copyFromStdin:
    'COPY ... FROM STDIN is not supported by the local PGlite server (it would break the session every client shares); use INSERT ... VALUES batches, or COPY from a real PostgreSQL',
  listen: 'LISTEN is not supported by the local PGlite server: its one session is shared by every client, so a notification could not be delivered to the client that listens',
  prepare:
    "SQL PREPARE is not supported by the local PGlite server: its one session is shared by every client, so the statement's name would be seen by all of them; use your driver's prepared statements (protocol level), which are kept per connection",
};

/** The SQL text of a Query or Parse message; null for any other message. */
export function sqlText(type: string, message: Buffer): string | null {
  if (type === 'Q') return message.toString('utf8', 5, message.length - 1);
  if (type === 'P') {
    const start = message.indexOf(0, 5) + 1;
    return message.toString('utf8', start, message.indexOf(0, start));
  }
  return null;
}

export function statementRules(sql: string): StatementRules {
  if (COPY_FROM_STDIN.test(sql)) return { ...NO_RULES, refusal: REFUSALS.copyFromStdin };
  const text = sql.replace(COMMENTS, ' ');
  let carried = SET_CONFIG.test(text);
  for (const [, first, second = ''] of text.matchAll(STATEMENT_START)) {
    const [verb, object] = [first.toLowerCase(), second.toLowerCase()];
    if (verb === 'listen') return { ...NO_RULES, refusal: REFUSALS.listen };
    if (verb === 'prepare' && object !== 'transaction') return { ...NO_RULES, refusal: REFUSALS.prepare };
    if ((verb === 'set' || verb === 'reset') && object !== 'local' && object !== 'transaction') carried = true;
  }
  return { refusal: null, carried, exclusive: EXCLUSIVE.test(text) };
}

/**
 * The message with its SQL replaced by a statement that raises the refusal inside the session,
 * so the client's transaction fails exactly as it would on any failing statement.
 */
export function refusedMessage(type: string, message: Buffer, refusal: string): Buffer {
  const raise = `DO $refused$ BEGIN RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = '${refusal.replace(/'/g, "''")}'; END $refused$`;
  const body =
    type === 'Q'
      ? Buffer.from(`${raise}\0`, 'utf8')
      : (() => {
          const nameEnd = message.indexOf(0, 5) + 1;
          const sqlEnd = message.indexOf(0, nameEnd);
          return Buffer.concat([message.subarray(5, nameEnd), Buffer.from(`${raise}\0`, 'utf8'), message.subarray(sqlEnd + 1)]);
        })();
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}
